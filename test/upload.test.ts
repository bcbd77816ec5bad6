import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { TextItem } from 'pdfjs-dist/types/src/display/api.js';
import { chromium } from 'playwright-core';
import type { Config } from '../src/config.js';
import { ingest, staleReason } from '../src/index/ingest.js';
import { KnowledgeBase } from '../src/index/knowledge-base.js';
import { type AppOptions, createApp } from '../src/server/app.js';
import { type BuildResult, buildIndex } from '../src/server/build.js';
import { Library, sanitizeFileName } from '../src/server/library.js';
import { LiveAnswerer } from '../src/server/live.js';
import {
  CHROMIUM,
  closeBrowser,
  makeDocx,
  makeEncryptedPdf,
  makePdf,
  makeScannedPdf,
  makeZipBombDocx,
  seedLines,
  seedText,
} from './fixtures/documents.js';
import { ROOT, tempDir, testConfig } from './helpers.js';

/** The seed's first three documents stay as text; the fourth arrives as a PDF upload. */
const SEED = seedText().split('\n');
const FOURTH = SEED.findIndex((l) => l.trim() === '坚决扛牢实现新型工业化这个关键任务');
const QUESTION = '新型工业化的鲜明特征是什么？';

interface Served {
  url: string;
  close: () => Promise<void>;
}

async function listen(app: ReturnType<typeof createApp>): Promise<Served> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function form(files: Array<[name: string, bytes: Uint8Array]>, field = 'file'): FormData {
  const body = new FormData();
  for (const [name, bytes] of files) body.append(field, new Blob([new Uint8Array(bytes)]), name);
  return body;
}

let config: Config;
let live: LiveAnswerer;
let library: Library;
let served: Served;
let pdf: Buffer;
const builds = { started: 0, running: 0, maxRunning: 0 };
/** The server as it is started for real, with its upload routes. */
const serve = (options: Partial<AppOptions> = {}, host = '127.0.0.1', maxFileBytes = 20 * 2 ** 20) =>
  listen(
    createApp(() => live.current, {
      webDir: path.join(ROOT, 'web'),
      uploads: { library, host, maxFileBytes },
      ...options,
    }),
  );

before(async () => {
  const corpus = path.join(tempDir(), 'corpus');
  mkdirSync(corpus);
  writeFileSync(path.join(corpus, 'base.txt'), SEED.slice(0, FOURTH).join('\n'));
  config = testConfig(corpus, { RELOAD_INTERVAL_MS: '0' });
  const [fixture] = await Promise.all([
    makePdf(
      seedLines(SEED.slice(FOURTH).join('\n')).map((l, i) => ({ ...l, title: i === 0 })),
      { format: 'A5' },
    ),
    ingest(config),
  ]);
  pdf = fixture;
  live = new LiveAnswerer(await KnowledgeBase.load(config), config, () => {});
  await live.start();
  library = new Library({
    config,
    current: () => live.current.kb,
    reload: () => live.check(),
    maxUnzippedBytes: 2 ** 20,
    // The real build in a child process, counted to show the queue never runs two at once.
    build: async (c): Promise<BuildResult> => {
      builds.started++;
      builds.maxRunning = Math.max(builds.maxRunning, ++builds.running);
      try {
        return await buildIndex(c);
      } finally {
        builds.running--;
      }
    },
  });
  served = await serve();
});
after(async () => {
  await served?.close();
  await closeBrowser();
});

async function documents(url = served.url): Promise<Array<Record<string, unknown>>> {
  return ((await (await fetch(`${url}/api/documents`)).json()) as { documents: Array<Record<string, unknown>> })
    .documents;
}

async function untilReady(ids: string[]): Promise<Array<Record<string, unknown>>> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const list = await documents();
    const mine = ids.map((id) => list.find((d) => d.id === id));
    if (mine.every((d) => d?.status === 'ready')) return mine as Array<Record<string, unknown>>;
    assert.ok(
      mine.every((d) => d?.status === 'indexing'),
      `status: ${JSON.stringify(mine.map((d) => [d?.status, d?.error]))}`,
    );
    assert.ok(Date.now() < deadline, 'indexing took longer than 90 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function upload(files: Array<[string, Uint8Array]>, url = served.url, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/api/documents`, { method: 'POST', body: form(files), headers });
  return {
    status: res.status,
    body: (await res.json()) as {
      documents?: Array<{ id: string; title: string; status: string }>;
      error?: { code: string; message: string };
    },
  };
}

async function ask(question: string) {
  const res = await fetch(`${served.url}/api/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question }),
  });
  return (await res.json()) as {
    citations: Array<{ docId: string; paragraphId: string; page?: number; quote: string; text: string }>;
  };
}

function uploadedFiles(): string[] {
  const dir = path.join(config.corpusDir, 'uploads');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

describe('upload, ask, delete', () => {
  let pdfId: string;

  it('an uploaded PDF is indexing at once, then listed as ready with its format, pages and paragraphs', async () => {
    const { status, body } = await upload([['新型工业化.pdf', pdf]]);
    assert.equal(status, 202);
    assert.deepEqual(
      body.documents!.map((d) => [d.title, d.status]),
      [['坚决扛牢实现新型工业化这个关键任务', 'indexing']],
    );
    pdfId = body.documents![0].id;
    const [doc] = await untilReady([pdfId]);
    assert.equal(doc.format, 'pdf');
    assert.equal(doc.source, 'uploads/新型工业化.pdf');
    assert.ok(
      Number(doc.pages) >= 3 && Number(doc.paragraphs) > 10,
      `pages ${doc.pages}, paragraphs ${doc.paragraphs}`,
    );
  });

  it('an answer from the uploaded PDF cites the page the quoted sentence is printed on', async () => {
    const { citations } = await ask(QUESTION);
    const cited = citations.find((c) => c.docId === pdfId);
    assert.ok(cited?.page, `citations: ${JSON.stringify(citations.map((c) => [c.docId, c.page]))}`);
    const doc = await getDocument({ data: new Uint8Array(pdf), verbosity: 0 }).promise;
    const content = await (await doc.getPage(cited.page)).getTextContent();
    const pageText = content.items
      .map((i) => (i as TextItem).str ?? '')
      .join('')
      .replace(/\s+/g, '');
    await doc.destroy();
    assert.ok(
      pageText.includes(cited.quote.replace(/\s+/g, '').slice(0, 10)),
      `"${cited.quote.slice(0, 10)}" on page ${cited.page}`,
    );
  });

  it('the paragraph endpoint gives the page of each sentence of a PDF paragraph', async () => {
    const cited = (await ask(QUESTION)).citations.find((c) => c.docId === pdfId)!;
    const res = await fetch(`${served.url}/api/passages/${encodeURIComponent(cited.paragraphId)}`);
    const paragraph = (await res.json()) as { sentences: unknown[]; pages: number[] };
    assert.equal(paragraph.pages.length, paragraph.sentences.length);
    assert.ok(paragraph.pages.includes(cited.page!), `${cited.page} in ${paragraph.pages}`);
  });

  it('the same file uploaded again answers with the existing document', async () => {
    const { status, body } = await upload([['copy-of-the-same.pdf', pdf]]);
    assert.equal(status, 200);
    assert.deepEqual(body.documents, [{ id: pdfId, title: '坚决扛牢实现新型工业化这个关键任务', status: 'ready' }]);
    assert.deepEqual(uploadedFiles(), ['新型工业化.pdf']);
  });

  it('uploads arriving together are indexed by one queue of builds, never two at once, under safe names', async () => {
    const before = builds.started;
    const files: Array<[string, Uint8Array]> = [
      ['../../逃逸.txt', Buffer.from('逃逸测试文件\n\n这份文件的名字想离开语料目录。\n')],
      ['nested/dir\\name.md', Buffer.from('# 嵌套名字\n\n文件名里的目录被去掉。\n')],
      ['.hidden.txt', Buffer.from('隐藏名字\n\n点开头的名字不会被当作隐藏文件。\n')],
    ];
    const results = await Promise.all(files.map((f) => upload([f])));
    assert.deepEqual(
      results.map((r) => r.status),
      [202, 202, 202],
    );
    await untilReady(results.map((r) => r.body.documents![0].id));
    assert.equal(builds.maxRunning, 1);
    assert.ok(builds.started - before < files.length, `${builds.started - before} builds for ${files.length} uploads`);
    assert.deepEqual(uploadedFiles(), ['hidden.txt', 'name.md', '新型工业化.pdf', '逃逸.txt']);
    assert.equal(existsSync(path.join(config.corpusDir, '..', '逃逸.txt')), false);
  });

  it('delete answers 204; then no answer cites the document, and it stays gone after a restart', async () => {
    const res = await fetch(`${served.url}/api/documents/${encodeURIComponent(pdfId)}`, { method: 'DELETE' });
    assert.equal(res.status, 204);
    assert.ok(!(await documents()).some((d) => d.id === pdfId));
    assert.ok(!(await ask(QUESTION)).citations.some((c) => c.docId === pdfId));
    assert.ok(!uploadedFiles().includes('新型工业化.pdf'));
    assert.equal(await staleReason(config), undefined);
    const restarted = await KnowledgeBase.load(config);
    assert.ok(!restarted.docById.has(pdfId));
  });

  it('delete of an unknown id answers 404', async () => {
    const res = await fetch(`${served.url}/api/documents/d-nothing`, { method: 'DELETE' });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'unknown_document');
  });
});

describe('bad input gets a JSON error and leaves nothing behind', () => {
  const rejected = async (files: Array<[string, Uint8Array]>, status: number, message: RegExp, url = served.url) => {
    const stored = uploadedFiles();
    const listed = (await documents()).length;
    const res = await upload(files, url);
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.match(res.body.error!.message, message);
    assert.deepEqual(uploadedFiles(), stored);
    assert.equal((await documents()).length, listed);
  };

  it('a file over UPLOAD_MAX_MB: 413', async () => {
    const small = await serve({}, '127.0.0.1', 2 ** 20);
    try {
      await rejected(
        [['big.txt', Buffer.from('大'.repeat(600_000))]],
        413,
        /larger than the upload limit of 1 MB/,
        small.url,
      );
    } finally {
      await small.close();
    }
  });

  it('a type the corpus does not read, judged by content as well as name: 415', async () => {
    await rejected(
      [['scan.pdf', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0])]],
      415,
      /PNG image/,
    );
    await rejected([['table.xlsx', Buffer.from('PK\x03\x04')]], 415, /\.xlsx files are not supported/);
    await rejected([['notes.docx', Buffer.from('just words')]], 415, /not a DOCX/);
  });

  it('an encrypted, damaged or scanned PDF: 422 with what to do', async () => {
    await rejected([['secret.pdf', await makeEncryptedPdf()]], 422, /password-protected; remove the password/);
    await rejected([['cut.pdf', pdf.subarray(0, 3000)]], 422, /damaged.*export it again/);
    await rejected([['scan.pdf', await makeScannedPdf()]], 422, /no text layer.*OCR/);
  });

  it('an empty document: 422', async () => {
    await rejected([['empty.txt', Buffer.alloc(0)]], 422, /empty/);
    await rejected([['blank.docx', await makeDocx([])]], 422, /no paragraphs/);
  });

  it('a DOCX that unzips past the limit (zip bomb): 422', async () => {
    await rejected([['bomb.docx', await makeZipBombDocx(3 * 2 ** 20)]], 422, /unzips to more than 1 MB/);
  });

  it('a batch with one bad file stores none of them', async () => {
    await rejected(
      [
        ['good.txt', Buffer.from('好文件\n\n这份文件本身没有问题。\n')],
        ['bad.pdf', Buffer.from('not a pdf')],
      ],
      415,
      /bad\.pdf/,
    );
  });

  it('a request without files in the field "file": 400', async () => {
    const res = await fetch(`${served.url}/api/documents`, {
      method: 'POST',
      body: form([['a.txt', Buffer.from('文本')]], 'upload'),
    });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /field "file"/);
  });
});

describe('a rebuild that fails', () => {
  it('marks the upload failed with the reason and removes its file; delete clears the entry', async () => {
    // A disk-full style failure: the build step rejects; the served index stays as it was.
    const failing = new Library({
      config,
      current: () => live.current.kb,
      reload: () => live.check(),
      build: async () => {
        throw new Error('no space left on device');
      },
      log: () => {},
    });
    const app = await listen(
      createApp(() => live.current, { uploads: { library: failing, host: '127.0.0.1', maxFileBytes: 2 ** 20 } }),
    );
    try {
      const { body } = await upload([['失败.txt', Buffer.from('失败测试\n\n这份文件的索引构建会失败。\n')]], app.url);
      const id = body.documents![0].id;
      let doc: Record<string, unknown> | undefined;
      for (let i = 0; i < 100 && doc?.status !== 'failed'; i++) {
        await new Promise((r) => setTimeout(r, 20));
        doc = (await documents(app.url)).find((d) => d.id === id);
      }
      assert.equal(doc?.status, 'failed');
      assert.match(String(doc?.error), /no space left on device/);
      assert.ok(!uploadedFiles().includes('失败.txt'));
      const del = await fetch(`${app.url}/api/documents/${encodeURIComponent(id)}`, { method: 'DELETE' });
      assert.equal(del.status, 204);
      assert.ok(!(await documents(app.url)).some((d) => d.id === id));
    } finally {
      await app.close();
    }
  });
});

describe('who may change the library', () => {
  it('on a public HOST without API_KEY, upload and delete are refused (read-only)', async () => {
    const open = await serve({}, '0.0.0.0');
    try {
      const up = await upload([['a.txt', Buffer.from('标题\n\n正文。')]], open.url);
      assert.equal(up.status, 403);
      assert.equal(up.body.error!.code, 'read_only');
      const del = await fetch(`${open.url}/api/documents/x`, { method: 'DELETE' });
      assert.equal(del.status, 403);
    } finally {
      await open.close();
    }
  });

  it('with API_KEY set, upload and delete need the key', async () => {
    const keyed = await serve({ apiKey: 'k-123' }, '0.0.0.0');
    try {
      assert.equal((await upload([['a.txt', Buffer.from('标题\n\n正文。')]], keyed.url)).status, 401);
      assert.equal((await fetch(`${keyed.url}/api/documents/x`, { method: 'DELETE' })).status, 401);
      const withKey = await fetch(`${keyed.url}/api/documents/x`, {
        method: 'DELETE',
        headers: { authorization: 'Bearer k-123' },
      });
      assert.equal(withKey.status, 404);
    } finally {
      await keyed.close();
    }
  });
});

describe('file names', () => {
  it('keep no folders, control characters or leading dots', () => {
    assert.equal(sanitizeFileName('../../etc/passwd'), 'passwd');
    assert.equal(sanitizeFileName('C:\\Users\\me\\报告 2024.PDF'), '报告 2024.pdf');
    assert.equal(sanitizeFileName('..'), 'document');
    assert.equal(sanitizeFileName('a\u202eb\u0000c.txt'), 'abc.txt');
  });
});

describe('upload through the page', () => {
  it('a PDF chosen in the library panel is indexed, listed ready, and its citations show 第N页', async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
      await page.goto(served.url);
      await page.click('#library-open');
      await page.waitForSelector('#dropzone:not([hidden])');
      const file = path.join(tempDir(), '新型工业化.pdf');
      writeFileSync(file, pdf);
      await page.setInputFiles('#file-input', file);
      // The panel lists the upload, then shows it ready once the new index serves it.
      await page.waitForFunction(
        () =>
          Array.from(document.querySelectorAll('#library-list .lib-doc')).some(
            (li) => li.textContent?.includes('坚决扛牢') && li.querySelector('.status-ready'),
          ),
        null,
        { timeout: 90_000 },
      );
      await page.click('#library-close');
      await page.fill('#question', QUESTION);
      await page.press('#question', 'Enter');
      await page.waitForSelector('.msg.assistant.done .sources');
      const sources = await page.locator('.msg.assistant.done .sources').last().textContent();
      assert.match(sources ?? '', /坚决扛牢[^\n]*第\d+页/);
    } finally {
      await browser.close();
    }
  });
});
