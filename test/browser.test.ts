import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { Answerer } from '../src/answer/answer.js';
import { ingest } from '../src/index/ingest.js';
import { KnowledgeBase } from '../src/index/knowledge-base.js';
import { corpusCopy, ROOT, tempDir, testConfig } from './helpers.js';
import { type Running, startServer } from './server-helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'test', 'artifacts');

let srv: Running;
let browser: Browser;
before(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH.`);
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  srv = await startServer();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

async function openPage(width = 1280, height = 860): Promise<{ page: Page; dialogs: string[] }> {
  const page = await browser.newPage({ viewport: { width, height } });
  const dialogs: string[] = [];
  page.on('dialog', async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
  await page.goto(srv.url);
  await page.waitForSelector('#embedder');
  return { page, dialogs };
}

/** A server over a throwaway corpus of the given files ({name: text}). */
async function serveCorpus(files: Record<string, string>, options = {}): Promise<Running> {
  const dir = path.join(tempDir(), 'corpus');
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  const config = testConfig(dir);
  await ingest(config, { log: () => {} });
  return startServer(options, new Answerer(await KnowledgeBase.load(config)));
}

const BRACKETS_DOC = [
  '档案管理办法',
  '第一条 为规范档案管理工作，制定本办法。',
  '第二条 档案移交的具体要求见附件[1]和附件[2,3]，移交前应当完成整理。',
  '第三条 本办法自发布之日起施行。',
].join('\n\n');

/** An answer object as the server sends it, with the given fields replaced. */
function answerFixture(fields: Record<string, unknown>) {
  return {
    question: '问题',
    mode: 'answer',
    answer: '',
    segments: [],
    direct: null,
    abstained: false,
    citations: [],
    language: 'zh',
    timings: { retrieveMs: 0, composeMs: 0, totalMs: 0 },
    ...fields,
  };
}

function citationFixture(n: number, fields: Record<string, unknown> = {}) {
  return {
    n,
    passageId: '',
    paragraphId: '',
    docId: 'd-x',
    docTitle: '示例文件',
    sectionPath: ['一、总则'],
    paragraph: n + 1,
    text: `第${n}句原文。`,
    quote: `第${n}句原文。`,
    highlights: [[0, 6]],
    score: 1,
    ...fields,
  };
}

/** Render an answer object with the page's own renderer into the thread; returns its message. */
async function renderFixture(page: Page, answer: object) {
  const index = await page.locator('.msg.fixture').count();
  await page.evaluate(
    async ({ module, answer }) => {
      const { renderAnswer } = await import(module);
      const [msg, bubble, body] = ['msg assistant done fixture', 'bubble', 'answer-text'].map((className) =>
        Object.assign(document.createElement('div'), { className }),
      );
      msg.append(bubble);
      bubble.append(body);
      document.querySelector('#thread')!.append(msg);
      renderAnswer({ msg, bubble, body }, answer);
    },
    { module: '/render.js', answer },
  );
  return page.locator('.msg.fixture').nth(index);
}

async function ask(page: Page, question: string) {
  const before = await page.locator('.msg.assistant.done').count();
  await page.fill('#question', question);
  await page.press('#question', 'Enter');
  await page.waitForFunction((n) => document.querySelectorAll('.msg.assistant.done').length > n, before);
  return page.locator('.msg.assistant.done').last();
}

describe('chat page in Chromium', () => {
  it('shows the embedder in use, example questions and the document browser', async () => {
    const { page } = await openPage();
    await page.waitForFunction(() => (document.querySelector('#embedder')?.textContent ?? '').length > 0);
    assert.match((await page.textContent('#embedder')) ?? '', /内置|builtin/);
    assert.ok((await page.locator('.example').count()) >= 4);
    await page.waitForSelector('#docs .summarize');
    assert.ok((await page.locator('#docs .summarize').count()) >= 4 + 7);
    await page.close();
  });

  it('streams an answer, opens the cited source with the sentence highlighted', async () => {
    const { page } = await openPage();
    const answer = await ask(page, '毛泽东思想活的灵魂是什么？');
    assert.match((await answer.textContent()) ?? '', /毛泽东思想活的灵魂/);
    assert.ok((await answer.locator('.sources').count()) === 1);
    await answer.locator('.cite').first().click();
    await page.locator('#source-panel mark').first().waitFor();
    const marked = (await page.locator('#source-panel mark').allTextContents()).join('');
    assert.match(marked, /这是毛泽东思想活的灵魂。/);
    assert.match((await page.textContent('#source-panel')) ?? '', /在纪念毛泽东同志诞辰130周年座谈会上的讲话/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'answer.png') });
    await page.close();
  });

  it('shows an abstention differently, with suggestions', async () => {
    const { page } = await openPage();
    const answer = await ask(page, '毛泽东的诗词有哪些？');
    assert.ok(await answer.evaluate((el) => el.classList.contains('abstain')));
    assert.match((await answer.textContent()) ?? '', /资料中没有找到/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'abstention.png') });
    await page.close();
  });

  it('lists the suggestions of an abstention once, as buttons', async () => {
    const { page } = await openPage();
    const answer = await ask(page, '毛泽东的诗词有哪些？');
    const labels = await answer.locator('.suggestion').allTextContents();
    assert.ok(labels.length > 0, 'the seed corpus offers suggestions for this question');
    const text = (await answer.textContent()) ?? '';
    for (const title of new Set(labels.map((l) => l.split(' › ')[0]))) {
      const buttons = labels.filter((l) => l.split(' › ')[0] === title).length;
      assert.equal(text.split(title).length - 1, buttons, `《${title}》 appears only on its buttons`);
    }
    await page.close();
  });

  it('shows no suggestion box when an abstention has no suggestions', async () => {
    const { page } = await openPage();
    const answer = await renderFixture(
      page,
      answerFixture({
        mode: 'abstain',
        abstained: true,
        segments: [{ text: '资料中没有找到与该问题相关的内容。' }],
        suggestions: [],
      }),
    );
    assert.equal(await answer.locator('.suggest').count(), 0);
    await page.close();
  });

  it('shows one marker after consecutive segments that quote the same source', async () => {
    const { page } = await openPage();
    const answer = await renderFixture(
      page,
      answerFixture({
        segments: [
          { text: '甲句。', n: 1 },
          { text: '乙句。', n: 1 },
          { text: '丙句。', n: 2 },
          { text: '另起：' },
          { text: '丁句。', n: 1 },
        ],
        citations: [citationFixture(1), citationFixture(2)],
      }),
    );
    assert.deepEqual(await answer.locator('.answer-text .cite').allTextContents(), ['1', '2', '1']);
    assert.equal(await answer.locator('.answer-text').textContent(), '甲句。乙句。1丙句。2另起：丁句。1');
    await page.close();
  });

  it('shows the direct answer first, in bold, above the quote', async () => {
    const { page } = await openPage();
    const answer = await renderFixture(
      page,
      answerFixture({
        direct: '12月21日至22日',
        segments: [{ text: '会议于12月21日至22日召开。', n: 1 }],
        citations: [citationFixture(1)],
      }),
    );
    assert.match((await answer.locator('.bubble').textContent()) ?? '', /^12月21日至22日会议于/);
    const weight = await answer.locator('.direct strong').evaluate((el) => Number(getComputedStyle(el).fontWeight));
    assert.ok(weight >= 700, `bold (font-weight ${weight})`);
    await page.close();
  });

  it('shows real direct, partial and refused answers from the server (screenshots)', async () => {
    const { page } = await openPage();
    const direct = await ask(page, '中央政治局专题民主生活会是什么时候召开的？');
    assert.equal(await direct.locator('.direct strong').textContent(), '12月21日至22日');
    await direct.screenshot({ path: path.join(ARTIFACTS, 'answer-direct.png') });
    const partial = await ask(page, '杭州亚运会中国获得多少枚金牌？');
    assert.equal(await partial.locator('.mode-tag').textContent(), '部分回答');
    assert.match((await partial.textContent()) ?? '', /杭州亚运会/);
    await partial.screenshot({ path: path.join(ARTIFACTS, 'answer-partial.png') });
    const refused = await ask(page, '如何用Python实现快速排序？');
    assert.equal(await refused.locator('.mode-tag').textContent(), '未找到可靠依据');
    assert.equal(await refused.locator('.cite').count(), 0);
    await refused.screenshot({ path: path.join(ARTIFACTS, 'answer-refusal.png') });
    await page.close();
  });

  it('gives a partial answer its own look, unlike an answer or an abstention', async () => {
    const { page } = await openPage();
    const look = (loc: ReturnType<Page['locator']>) =>
      loc.locator('.bubble').evaluate((el) => {
        const s = getComputedStyle(el);
        return `${s.backgroundColor} ${s.borderLeftWidth} ${s.borderLeftColor}`;
      });
    const quote = { segments: [{ text: '文件提到了杭州亚运会。', n: 1 }], citations: [citationFixture(1)] };
    const partial = await renderFixture(page, answerFixture({ mode: 'partial', ...quote }));
    const plain = await look(await renderFixture(page, answerFixture(quote)));
    const abstain = await look(await renderFixture(page, answerFixture({ mode: 'abstain', abstained: true })));
    assert.notEqual(await look(partial), plain);
    assert.notEqual(await look(partial), abstain);
    assert.equal(await partial.locator('.mode-tag').textContent(), '部分回答');
    assert.equal(await partial.locator('.cite').count(), 1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'modes-fixture.png') });
    await page.close();
  });

  it('shows 第N页 for a paginated citation in its tooltip, the sources list and the source panel', async () => {
    const { page } = await openPage();
    const answer = await renderFixture(
      page,
      answerFixture({
        segments: [{ text: '第1句原文。', n: 1 }],
        citations: [citationFixture(1, { page: 3 })],
      }),
    );
    assert.match((await answer.locator('.cite').getAttribute('title')) ?? '', /第2段 · 第3页/);
    assert.match((await answer.locator('.source-link').textContent()) ?? '', /第3页/);
    await page.evaluate(async ({ module, citation }) => (await import(module)).openCitation(citation), {
      module: '/source-panel.js',
      citation: citationFixture(1, { page: 3 }),
    });
    assert.equal(await page.textContent('#src-para'), '第2段 · 第3页');
    await page.close();
  });

  it('keeps the document title in view when the source panel scrolls to the highlight', async () => {
    const { page } = await openPage(1280, 480);
    const text = `${'这是很长的段落中的一句话，用来把高亮推到面板下方。'.repeat(80)}最后这一句是被引用的句子。`;
    const start = text.indexOf('最后这一句');
    await page.evaluate(async ({ module, citation }) => (await import(module)).openCitation(citation), {
      module: '/source-panel.js',
      citation: citationFixture(1, {
        docTitle: '很长的文件',
        text,
        quote: text.slice(start),
        highlights: [[start, text.length]],
      }),
    });
    const box = async (sel: string) => (await page.locator(sel).boundingBox())!;
    const body = await box('#source-panel .panel-body');
    const head = await box('#source-panel .src-head');
    const title = await box('#src-title');
    const mark = await box('#source-panel mark');
    assert.ok(title.y >= body.y - 1 && title.y + title.height <= body.y + body.height, 'title visible');
    assert.ok(mark.y >= head.y + head.height - 1, 'highlight not hidden under the title');
    assert.ok(mark.y + mark.height <= body.y + body.height + 1, 'highlight visible');
    await page.close();
  });

  it('keeps the thread across a reload, and 新对话 clears it', async () => {
    const { page } = await openPage();
    await ask(page, '毛泽东思想活的灵魂是什么？');
    await page.reload();
    await page.waitForSelector('.msg.assistant.done');
    assert.deepEqual(await page.locator('.msg.user').allTextContents(), ['毛泽东思想活的灵魂是什么？']);
    assert.ok(await page.locator('#empty').isHidden());
    await page.locator('.msg.assistant .cite').first().click();
    await page.locator('#source-panel mark').first().waitFor();
    await page.click('#new-chat');
    assert.equal(await page.locator('#thread .msg').count(), 0);
    await page.reload();
    await page.waitForSelector('#empty', { state: 'visible' });
    assert.equal(await page.locator('#thread .msg').count(), 0);
    await page.close();
  });

  it('serves an SVG favicon linked from the page', async () => {
    const { page } = await openPage();
    const href = await page.locator('link[rel="icon"]').getAttribute('href');
    const res = await fetch(new URL(href ?? '', srv.url));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^image\/svg\+xml/);
    assert.match(await res.text(), /<svg[\s>]/);
    await page.close();
  });

  it('on a phone, shows a short placeholder and a degraded-mode banner that stays dismissed', async () => {
    const { page } = await openPage(390, 844);
    assert.equal(await page.getAttribute('#question', 'placeholder'), '输入问题');
    await page.locator('#notice').waitFor();
    await page.click('#notice-close');
    assert.ok(await page.locator('#notice').isHidden());
    await page.reload();
    await page.waitForFunction(() => document.querySelector('#embedder')?.className.includes('degraded'));
    assert.ok(await page.locator('#notice').isHidden());
    await page.close();
  });

  it('summarises a section from the document browser', async () => {
    const { page } = await openPage();
    await page.waitForSelector('#docs .summarize[data-section-id]');
    const before = await page.locator('.msg.assistant.done').count();
    await page.locator('#docs .summarize[data-section-id]').nth(5).click();
    await page.waitForFunction((n) => document.querySelectorAll('.msg.assistant.done').length > n, before);
    const summary = page.locator('.msg.assistant.done').last();
    assert.match((await summary.textContent()) ?? '', /摘要/);
    assert.ok((await summary.locator('.cite').count()) >= 2);
    await page.close();
  });

  it('renders user and corpus text as text, never as HTML', async () => {
    const { page, dialogs } = await openPage();
    await ask(page, '<img src=x onerror=alert(1)> 毛泽东思想活的灵魂是什么？');
    const user = page.locator('.msg.user').last();
    assert.match((await user.textContent()) ?? '', /<img src=x onerror=alert\(1\)>/);
    assert.equal(await page.locator('#thread img').count(), 0);
    await page.waitForTimeout(200);
    assert.deepEqual(dialogs, []);
    await page.close();
  });

  it('renders a corpus paragraph holding HTML as text (no dialog fires)', async () => {
    const corpus = corpusCopy();
    const html = '这段话里有<img src=x onerror=alert(1)>标签，还有<script>alert(2)</script>脚本。';
    writeFileSync(path.join(corpus, 'html.txt'), `网页内容\n\n${html}\n`);
    const config = testConfig(corpus);
    await ingest(config, { log: () => {} });
    const own = await startServer({}, new Answerer(await KnowledgeBase.load(config)));
    try {
      const page = await browser.newPage();
      const dialogs: string[] = [];
      page.on('dialog', async (d) => {
        dialogs.push(d.message());
        await d.dismiss();
      });
      await page.goto(own.url);
      const answer = await ask(page, '这段话里有什么标签和脚本？');
      assert.match((await answer.textContent()) ?? '', /<img src=x onerror=alert\(1\)>/);
      await answer.locator('.cite').first().click();
      await page.locator('#source-panel mark').first().waitFor();
      assert.match((await page.textContent('#source-panel')) ?? '', /<script>alert\(2\)<\/script>/);
      assert.equal(await page.locator('#thread img, #source-panel img').count(), 0);
      await page.waitForTimeout(200);
      assert.deepEqual(dialogs, []);
      await page.close();
    } finally {
      await own.close();
    }
  });

  it('is usable on a phone-width screen', async () => {
    const { page } = await openPage(390, 844);
    const answer = await ask(page, '新型工业化有哪些重点任务？');
    assert.match((await answer.textContent()) ?? '', /七是加快建设世界一流企业/);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 1, `no horizontal scrolling (overflow ${overflow}px)`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'phone.png') });
    await page.close();
  });

  it('keeps "[1]" and "[2,3]" inside a quote as text: markers come only from segments', async () => {
    const own = await serveCorpus({ 'archive.txt': BRACKETS_DOC });
    try {
      const question = '档案移交有什么要求？';
      const json = (await (
        await fetch(`${own.url}/api/ask`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ question }),
        })
      ).json()) as { segments: Array<{ n?: number }> };
      const page = await browser.newPage();
      await page.goto(own.url);
      const answer = await ask(page, question);
      assert.match((await answer.locator('.answer-text').textContent()) ?? '', /附件\[1\]和附件\[2,3\]/);
      const cited = json.segments.filter((s) => s.n !== undefined).length;
      assert.ok(cited >= 1);
      assert.equal(await answer.locator('.answer-text .cite').count(), cited);
      await page.close();
    } finally {
      await own.close();
    }
  });

  it('builds markers from streamed segment deltas, and re-renders from done', async () => {
    const { page } = await openPage();
    const rendered = await page.evaluate(
      async (modules) => {
        const { AnswerStream } = await import(modules.stream);
        const { renderSegments } = await import(modules.render);
        const citation = {
          n: 1,
          docTitle: '文件',
          sectionPath: [],
          paragraph: 2,
          text: '原文[2]。',
          quote: '原文[2]。',
        };
        const stream = new AnswerStream();
        stream.apply('meta', { mode: 'answer', direct: null, language: 'zh' });
        stream.apply('delta', { segment: { text: '资料说：' } });
        stream.apply('delta', { segment: { text: '原文[2]。', n: 1 }, citation });
        const box = document.createElement('div');
        renderSegments(box, stream.current().segments, stream.current().citations);
        const markers = Array.from(box.querySelectorAll<HTMLElement>('.cite'), (b) => b.dataset.n);
        const streamed = { text: box.textContent, markers };
        stream.apply('done', { mode: 'answer', segments: [{ text: '定稿。', n: 1 }], citations: [citation] });
        renderSegments(box, stream.result().segments, stream.result().citations);
        return { streamed, final: box.textContent };
      },
      { stream: '/stream.js', render: '/render.js' },
    );
    assert.deepEqual(rendered.streamed, { text: '资料说：原文[2]。1', markers: ['1'] });
    assert.equal(rendered.final, '定稿。1');
    await page.close();
  });

  it('sends as history only the last 6 turns, questions in full and answers cut to 300 characters', async () => {
    const { page } = await openPage();
    const questions = [1, 2, 3, 4, 5].map((i) => `第${i}个问题：${'问'.repeat(1500)}`);
    const saved = questions.map((question) => ({
      question,
      answer: answerFixture({
        answer: '答'.repeat(5000),
        segments: [{ text: '答'.repeat(5000), n: 1 }],
        citations: [citationFixture(1)],
      }),
    }));
    await page.evaluate((thread) => localStorage.setItem('thread', JSON.stringify(thread)), saved);
    await page.reload();
    await page.waitForSelector('.msg.assistant.done');
    const sent = page.waitForRequest((r) => r.url().endsWith('/api/ask'));
    await ask(page, '毛泽东思想活的灵魂是什么？');
    const { history } = (await sent).postDataJSON() as { history: Array<{ role: string; content: string }> };
    assert.equal(history.length, 6);
    assert.deepEqual(
      history.filter((t) => t.role === 'user').map((t) => t.content),
      questions.slice(-3),
    );
    for (const t of history.filter((t) => t.role === 'assistant')) {
      assert.ok(t.content.startsWith('答') && [...t.content].length <= 300, `answer cut (${t.content.length} chars)`);
    }
    await page.close();
  });

  it('asks for the API key when the server answers 401, keeps it and retries', async () => {
    const own = await startServer({ apiKey: 'k-123' });
    try {
      const page = await browser.newPage();
      await page.goto(own.url);
      await page.locator('#key-form').waitFor();
      await page.fill('#key-input', 'k-123');
      await page.press('#key-input', 'Enter');
      await page.waitForSelector('#docs .summarize');
      assert.ok(await page.locator('#key-form').isHidden());
      assert.equal(await page.evaluate(() => localStorage.getItem('apiKey')), 'k-123');
      const answer = await ask(page, '毛泽东思想活的灵魂是什么？');
      assert.ok((await answer.locator('.cite').count()) >= 1);
      await page.close();
    } finally {
      await own.close();
    }
  });

  it('asks again when the API key entered is wrong', async () => {
    const own = await startServer({ apiKey: 'k-123' });
    try {
      const page = await browser.newPage();
      await page.goto(own.url);
      await page.locator('#key-form').waitFor();
      await page.fill('#key-input', 'wrong');
      await page.press('#key-input', 'Enter');
      await page.waitForFunction(() => /不正确/.test(document.querySelector('#key-label')?.textContent ?? ''));
      assert.ok(await page.locator('#key-form').isVisible());
      await page.close();
    } finally {
      await own.close();
    }
  });

  it('lists every document in the library panel', async () => {
    const { page } = await openPage();
    await page.click('#library-open');
    await page.waitForSelector('#library-list .lib-doc');
    const list = (await (await fetch(`${srv.url}/api/documents`)).json()) as { documents: Array<{ title: string }> };
    const { documents } = list;
    assert.deepEqual(
      await page.locator('#library-list .lib-title').allTextContents(),
      documents.map((d) => d.title),
    );
    assert.match((await page.locator('#library-list .lib-meta').first().textContent()) ?? '', /\d+ 段/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'library.png') });
    await page.close();
  });

  it('offers upload and delete in the library only when the server accepts them', async () => {
    const { page } = await openPage();
    await page.click('#library-open');
    await page.waitForSelector('#library-list .lib-doc');
    const allow = async (p: string) => (await fetch(srv.url + p, { method: 'OPTIONS' })).headers.get('allow') ?? '';
    const upload = /\bPOST\b/.test(await allow('/api/documents'));
    const del = /\bDELETE\b/.test(await allow('/api/documents/-'));
    await page.waitForFunction(
      (shown) => !document.querySelector('#dropzone')?.hasAttribute('hidden') === shown,
      upload,
    );
    await page.waitForFunction((shown) => document.querySelectorAll('#library .delete').length > 0 === shown, del);
    assert.equal(await page.locator('#library-note').isVisible(), !upload || !del);
    await page.close();
  });
});
