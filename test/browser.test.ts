import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Answerer } from '../src/answer/answer.js';
import { ingest } from '../src/index/ingest.js';
import { KnowledgeBase } from '../src/index/knowledge-base.js';
import { corpusCopy, ROOT, tempDir, testConfig } from './helpers.js';
import { startServer, type Running } from './server-helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'test', 'artifacts');

let srv: Running;
let browser: Browser;
before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH.`);
  mkdirSync(ARTIFACTS, { recursive: true });
  srv = await startServer();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
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
    const answer = await ask(page, '明天上海的天气怎么样？今年高考分数线是多少？');
    assert.ok(await answer.evaluate((el) => el.classList.contains('abstain')));
    assert.match((await answer.textContent()) ?? '', /资料中没有找到/);
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
    writeFileSync(path.join(corpus, 'html.txt'), '网页内容\n\n这段话里有<img src=x onerror=alert(1)>标签，还有<script>alert(2)</script>脚本。\n');
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
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `no horizontal scrolling (overflow ${overflow}px)`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'phone.png') });
    await page.close();
  });

  it('keeps "[1]" and "[2,3]" inside a quote as text: markers come only from segments', async () => {
    const own = await serveCorpus({ 'archive.txt': BRACKETS_DOC });
    try {
      const question = '档案移交有什么要求？';
      const json = await (await fetch(own.url + '/api/ask', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ question }),
      })).json() as { segments: Array<{ n?: number }> };
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
    const rendered = await page.evaluate(async (modules) => {
      const { AnswerStream } = await import(modules.stream);
      const { renderSegments } = await import(modules.render);
      const citation = { n: 1, docTitle: '文件', sectionPath: [], paragraph: 2, text: '原文[2]。', quote: '原文[2]。' };
      const stream = new AnswerStream();
      stream.apply('meta', { mode: 'answer', direct: null, language: 'zh' });
      stream.apply('delta', { segment: { text: '资料说：' } });
      stream.apply('delta', { segment: { text: '原文[2]。', n: 1 }, citation });
      const box = document.createElement('div');
      renderSegments(box, stream.current().segments, stream.current().citations);
      const streamed = { text: box.textContent, markers: Array.from(box.querySelectorAll<HTMLElement>('.cite'), (b) => b.dataset.n) };
      stream.apply('done', { mode: 'answer', segments: [{ text: '定稿。', n: 1 }], citations: [citation] });
      renderSegments(box, stream.result().segments, stream.result().citations);
      return { streamed, final: box.textContent };
    }, { stream: '/stream.js', render: '/render.js' });
    assert.deepEqual(rendered.streamed, { text: '资料说：原文[2]。1', markers: ['1'] });
    assert.equal(rendered.final, '定稿。1');
    await page.close();
  });
});
