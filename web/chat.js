// The conversation: asking (streamed over SSE), summaries, and the thread, which survives a reload.

import { getJSON, request } from './api.js';
import { $, el } from './dom.js';
import { answerAsText, renderAnswer, renderPartial } from './render.js';
import { openCitation, setPanel } from './source-panel.js';
import { readSSE } from './sse.js';
import { readJSON, remove, write } from './storage.js';
import { AnswerStream } from './stream.js';

const THREAD_KEY = 'thread';
const SAVED_EXCHANGES = 20;
// The server only needs recent turns to resolve follow-ups; whole answers would soon pass its 64 KB body limit.
const HISTORY_TURNS = 6;
const HISTORY_ANSWER_CHARS = 300;

const state = {
  busy: false,
  exchanges: [], // [{question, answer}] finished, oldest first; saved in localStorage
  msgData: new WeakMap(), // assistant message element -> answer object (partial while streaming)
};

const thread = () => $('#thread');
const scroller = () => $('#scroller');
const nearBottom = () => scroller().scrollHeight - scroller().scrollTop - scroller().clientHeight < 120;
const scrollDown = (force) => {
  if (force || nearBottom()) scroller().scrollTop = scroller().scrollHeight;
};

function addUser(text) {
  $('#empty').hidden = true;
  const msg = el('div', 'msg user');
  msg.append(el('div', 'bubble', text));
  thread().append(msg);
  scrollDown(true);
}

/** Add an empty assistant message; returns { msg, bubble, body }. */
function addAssistant(waiting) {
  const msg = el('div', 'msg assistant');
  const bubble = msg.appendChild(el('div', 'bubble'));
  const body = bubble.appendChild(el('div', 'answer-text'));
  body.append(el('span', 'typing', waiting));
  thread().append(msg);
  scrollDown(true);
  return { msg, bubble, body };
}

/** The answer so far while it streams; its markers already open their sources. */
function showPartial(m, ans) {
  const stick = nearBottom();
  state.msgData.set(m.msg, ans);
  renderPartial(m, ans);
  scrollDown(stick);
}

/** Final rendering of an answer object (from SSE `done`, /api/ask JSON or /api/summarize). */
function finishAnswer(m, ans) {
  const stick = nearBottom();
  state.msgData.set(m.msg, ans);
  renderAnswer(m, ans);
  m.msg.classList.add('done');
  scrollDown(stick);
}

function showError(m, err) {
  const typing = m.body.querySelector('.typing');
  if (typing) typing.remove();
  m.bubble.append(el('p', 'error-text', `出错了：${err?.message || String(err)}`));
  m.msg.classList.add('done', 'error');
  scrollDown(true);
}

function setBusy(b) {
  state.busy = b;
  $('#send').disabled = b;
  $('#send').textContent = b ? '…' : '发送';
}

export const isBusy = () => state.busy;

/** Save the newest exchanges that fit in storage. */
function saveThread() {
  for (let keep = SAVED_EXCHANGES; keep > 0; keep--) {
    if (write(THREAD_KEY, JSON.stringify(state.exchanges.slice(-keep)))) return;
  }
  remove(THREAD_KEY);
}

function remember(question, answer) {
  state.exchanges.push({ question, answer });
  state.exchanges = state.exchanges.slice(-SAVED_EXCHANGES);
  saveThread();
}

/** At most `max` characters (code points, so no surrogate pair is split), with … when cut. */
function clip(text, max) {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** The turns sent as `history`: the last few, questions in full and answers trimmed. */
function history() {
  return state.exchanges
    .flatMap(({ question, answer }) => [
      { role: 'user', content: question },
      { role: 'assistant', content: clip(String(answer.answer || ''), HISTORY_ANSWER_CHARS) },
    ])
    .slice(-HISTORY_TURNS);
}

export async function ask(question) {
  question = question.trim();
  if (!question || state.busy) return;
  setBusy(true);
  addUser(question);
  const m = addAssistant('正在检索文件…');
  try {
    const res = await request('/api/ask', {
      json: { question, history: history() },
      headers: { Accept: 'text/event-stream' },
    });
    let final;
    if (!(res.headers.get('content-type') || '').includes('text/event-stream') || !res.body) {
      final = await res.json(); // server replied with plain JSON instead
    } else {
      const stream = new AnswerStream();
      await readSSE(res, (name, raw) => {
        stream.apply(name, JSON.parse(raw));
        if (name === 'delta') showPartial(m, stream.current());
      });
      final = stream.result();
    }
    finishAnswer(m, final);
    remember(question, final);
  } catch (err) {
    showError(m, err);
  } finally {
    setBusy(false);
  }
}

export async function summarize(docId, sectionId, label) {
  if (state.busy) return;
  setBusy(true);
  addUser(label);
  const m = addAssistant('正在生成总结…');
  try {
    const target = { docId: docId || undefined, sectionId: sectionId || undefined };
    const ans = await getJSON('/api/summarize', { json: target });
    finishAnswer(m, ans);
    remember(label, ans);
  } catch (err) {
    showError(m, err);
  } finally {
    setBusy(false);
  }
}

export function newChat() {
  if (state.busy) return;
  thread().replaceChildren();
  state.exchanges = [];
  remove(THREAD_KEY);
  $('#empty').hidden = false;
  setPanel(false);
}

/** Show the thread saved before the last reload. */
function restoreThread() {
  const saved = readJSON(THREAD_KEY, []);
  if (!Array.isArray(saved)) return;
  for (const x of saved) {
    if (!x || typeof x.question !== 'string' || !x.answer || typeof x.answer !== 'object') continue;
    addUser(x.question);
    finishAnswer(addAssistant(''), x.answer);
    state.exchanges.push(x);
  }
  scrollDown(true);
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // fallback for non-secure contexts / older browsers
    const ta = document.body.appendChild(el('textarea', 'offscreen'));
    ta.value = text;
    ta.select();
    document.execCommand('copy');
    ta.remove();
  }
}

/** Restore the thread and handle clicks inside it: citations, sources, suggestions, copy. */
export function initChat() {
  restoreThread();
  thread().addEventListener('click', (e) => {
    const t = e.target.closest('button');
    if (!t) return;
    const ans = state.msgData.get(t.closest('.msg.assistant'));
    if (t.matches('.suggestion')) {
      summarize(t.dataset.docId, t.dataset.sectionId, `总结 ${t.textContent}`);
    } else if (t.matches('.cite, .source-link')) {
      const c = (ans?.citations || []).find((x) => String(x.n) === t.dataset.n);
      if (c) openCitation(c);
    } else if (t.matches('.copy') && ans) {
      copyText(answerAsText(ans)).then(() => {
        t.textContent = '已复制';
        setTimeout(() => {
          t.textContent = '复制回答';
        }, 1500);
      });
    }
  });
}
