// The conversation: asking (streamed over SSE), summaries, and the thread of messages.
import { $, el } from './dom.js';
import { getJSON, request } from './api.js';
import { readSSE } from './sse.js';
import { answerAsText, renderAnswer, renderSegments } from './render.js';
import { AnswerStream } from './stream.js';
import { openCitation, setPanel } from './source-panel.js';

const state = {
  busy: false,
  history: [],            // [{role, content}] sent with /api/ask
  msgData: new WeakMap(), // assistant message element -> answer object (or meta while streaming)
};

const thread = () => $('#thread');
const scroller = () => $('#scroller');
const nearBottom = () => scroller().scrollHeight - scroller().scrollTop - scroller().clientHeight < 120;
const scrollDown = (force) => { if (force || nearBottom()) scroller().scrollTop = scroller().scrollHeight; };

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

/** Final rendering of an answer object (from SSE `done` or /api/summarize). */
function finishAnswer(m, ans) {
  const stick = nearBottom();
  state.msgData.set(m.msg, ans);
  m.msg.classList.toggle('abstain', !!ans.abstained);
  m.msg.dataset.mode = ans.mode || '';
  renderAnswer(m.bubble, m.body, ans);
  m.msg.classList.add('done');
  scrollDown(stick);
}

/** The answer so far while it streams; its markers already open their sources. */
function showPartial(m, ans) {
  const stick = nearBottom();
  state.msgData.set(m.msg, ans);
  m.msg.classList.toggle('abstain', !!ans.abstained);
  renderSegments(m.body, ans.segments, ans.citations);
  scrollDown(stick);
}

function showError(m, err) {
  const typing = m.body.querySelector('.typing');
  if (typing) typing.remove();
  m.bubble.append(el('p', 'error-text', '出错了：' + ((err && err.message) || String(err))));
  m.msg.classList.add('done', 'error');
  scrollDown(true);
}

function setBusy(b) {
  state.busy = b;
  $('#send').disabled = b;
  $('#send').textContent = b ? '…' : '发送';
}

export const isBusy = () => state.busy;

function remember(user, answer) {
  state.history.push({ role: 'user', content: user }, { role: 'assistant', content: answer || '' });
  state.history = state.history.slice(-8);
}

export async function ask(question) {
  question = question.trim();
  if (!question || state.busy) return;
  setBusy(true);
  addUser(question);
  const m = addAssistant('正在检索文件…');
  try {
    const res = await request('/api/ask', {
      json: { question, history: state.history.slice(-6) },
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
    remember(question, final.answer);
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
    const ans = await getJSON('/api/summarize', { json: { docId: docId || undefined, sectionId: sectionId || undefined } });
    finishAnswer(m, ans);
    remember(label, ans.answer);
  } catch (err) {
    showError(m, err);
  } finally {
    setBusy(false);
  }
}

export function newChat() {
  if (state.busy) return;
  thread().replaceChildren();
  state.history = [];
  $('#empty').hidden = false;
  setPanel(false);
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch { // fallback for non-secure contexts / older browsers
    const ta = document.body.appendChild(el('textarea', 'offscreen'));
    ta.value = text;
    ta.select();
    document.execCommand('copy');
    ta.remove();
  }
}

/** Delegated clicks inside the thread: citations, sources, suggestions, copy. */
export function initChat() {
  thread().addEventListener('click', (e) => {
    const t = e.target.closest('button');
    if (!t) return;
    const ans = state.msgData.get(t.closest('.msg.assistant'));
    if (t.matches('.suggestion')) {
      summarize(t.dataset.docId, t.dataset.sectionId, '总结 ' + t.textContent);
    } else if (t.matches('.cite, .source-link')) {
      const c = ((ans && ans.citations) || []).find((x) => String(x.n) === t.dataset.n);
      if (c) openCitation(c);
    } else if (t.matches('.copy') && ans) {
      copyText(answerAsText(ans)).then(() => {
        t.textContent = '已复制';
        setTimeout(() => { t.textContent = '复制回答'; }, 1500);
      });
    }
  });
}
