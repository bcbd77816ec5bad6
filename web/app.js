// Front-end for the policy-document QA chatbot. Plain DOM, no framework, no build step.
// Security rule: corpus and user text are only ever inserted as text nodes / textContent,
// never through innerHTML.
'use strict';

const $ = (sel) => document.querySelector(sel);
const state = {
  busy: false,
  history: [],            // [{role, content}] sent with /api/ask
  docs: [],               // from /api/documents
  msgData: new WeakMap(), // assistant message element -> answer object (or meta while streaming)
  src: null,              // source panel focus: { focusId, text, highlights }
};

/** Create an element with an optional class and text content. */
function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text != null) node.textContent = String(text);
  return node;
}
function button(cls, text, data = {}) {
  const b = el('button', cls, text);
  b.type = 'button';
  for (const [k, v] of Object.entries(data)) if (v != null && v !== '') b.dataset[k] = String(v);
  return b;
}

// ---------- API helpers ----------

/** fetch() wrapper: adds the optional API key, JSON body, and turns 4xx/5xx into Errors. */
async function api(path, { json, headers = {}, ...rest } = {}) {
  const init = { ...rest, headers: { ...headers } };
  try {
    const key = localStorage.getItem('apiKey');
    if (key) init.headers.Authorization = 'Bearer ' + key;
  } catch (_) { /* storage unavailable */ }
  if (json !== undefined) {
    init.method = init.method || 'POST';
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  }
  const res = await fetch(path, init);
  if (!res.ok) {
    let body = null;
    try { body = await res.json(); } catch (_) { /* not JSON */ }
    throw new Error((body && body.error && body.error.message) || `请求失败（HTTP ${res.status}）`);
  }
  return res;
}
const getJSON = async (path, opts) => (await api(path, opts)).json();

/** Parse a Server-Sent-Events body, calling onEvent(name, dataString) per event. */
async function readSSE(res, onEvent) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  const dispatch = (block) => {
    let name = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'event') name = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length) onEvent(name, data.join('\n'));
  };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf = (buf + decoder.decode(value, { stream: true })).replace(/\r\n/g, '\n');
      let idx;
      while ((idx = buf.indexOf('\n\n')) >= 0) {
        dispatch(buf.slice(0, idx));
        buf = buf.slice(idx + 2);
      }
    }
    buf += decoder.decode();
    if (buf.trim()) dispatch(buf);
  } finally {
    reader.cancel().catch(() => {});
  }
}

// ---------- Answer text rendering ----------

const paraLabel = (n) => (n === 0 ? '标题/署名' : `第${n}段`);
const sourceLabel = (c) =>
  [c.docTitle, (c.sectionPath || []).join(' › '), paraLabel(c.paragraph)].filter(Boolean).join(' · ');

/** Append text to parent, turning [n] / [1,2] markers into .cite buttons. */
function appendInline(parent, text, byN) {
  const re = /\[(\d+(?:\s*[,，、]\s*\d+)*)\]/g;
  let last = 0;
  let m;
  while ((m = re.exec(text))) {
    const nums = m[1].split(/[,，、]/).map((s) => Number(s.trim()));
    if (!nums.every((n) => byN.has(n))) continue; // unknown marker: leave as plain text
    if (m.index > last) parent.append(text.slice(last, m.index));
    for (const n of nums) {
      const b = button('cite', n, { n });
      b.title = sourceLabel(byN.get(n));
      b.setAttribute('aria-label', `来源 ${n}`);
      parent.append(b);
    }
    last = re.lastIndex;
  }
  if (last < text.length) parent.append(text.slice(last));
}

/** Render answer text (paragraphs, "- " / "1. " lists, "#" headings) into box. */
function renderText(box, text, citations) {
  const byN = new Map((citations || []).map((c) => [c.n, c]));
  box.replaceChildren();
  let list = null;
  for (const raw of String(text).split('\n')) {
    const line = raw.trimEnd();
    const item = /^\s*(?:([-*•])\s+|(\d{1,3})(?:[.)]\s+|、\s*))(.*)$/.exec(line);
    if (item) {
      const tag = item[1] ? 'UL' : 'OL';
      if (!list || list.tagName !== tag) {
        list = box.appendChild(el(tag.toLowerCase()));
        if (item[2]) list.start = Number(item[2]);
      }
      appendInline(list.appendChild(el('li')), item[3], byN);
      continue;
    }
    list = null;
    if (!line.trim()) continue;
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    appendInline(box.appendChild(el('p', heading ? 'heading' : null)), heading ? heading[1] : line, byN);
  }
}

// ---------- Thread ----------

const thread = $('#thread');
const scroller = $('#scroller');
const nearBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
const scrollDown = (force) => { if (force || nearBottom()) scroller.scrollTop = scroller.scrollHeight; };

function addUser(text) {
  $('#empty').hidden = true;
  const msg = el('div', 'msg user');
  msg.append(el('div', 'bubble', text));
  thread.append(msg);
  scrollDown(true);
}

/** Add an empty assistant message; returns { msg, bubble, body }. */
function addAssistant(waiting) {
  const msg = el('div', 'msg assistant');
  const bubble = msg.appendChild(el('div', 'bubble'));
  const body = bubble.appendChild(el('div', 'answer-text'));
  body.append(el('span', 'typing', waiting));
  thread.append(msg);
  scrollDown(true);
  return { msg, bubble, body };
}

/** Final rendering of an answer object (from SSE `done` or /api/summarize). */
function finishAnswer(m, ans) {
  const stick = nearBottom();
  const cites = ans.citations || [];
  state.msgData.set(m.msg, ans);
  m.msg.classList.toggle('abstain', !!ans.abstained);
  m.msg.dataset.mode = ans.mode || '';
  m.bubble.replaceChildren();
  if (ans.mode === 'summary') m.bubble.append(el('span', 'mode-tag', '总结'));
  if (ans.abstained) m.bubble.append(el('span', 'mode-tag', '未找到可靠依据'));
  m.bubble.append(m.body);
  renderText(m.body, ans.answer || '', cites);

  // Abstention: offer the suggested sections, each clickable to summarize it.
  const sugg = ans.suggestions || [];
  if (ans.abstained && sugg.length) {
    const box = m.bubble.appendChild(el('div', 'suggest'));
    box.append(el('p', 'muted', '可以看看这些相关章节（点击生成总结）：'));
    for (const s of sugg) {
      const label = [s.docTitle, ...(s.sectionPath || [])].join(' › ');
      box.append(button('suggestion', label, { docId: s.docId, sectionId: s.sectionId }));
    }
  }
  // Sources list: document · section · 第N段, each opening the source panel.
  if (cites.length) {
    m.bubble.append(el('div', 'sources-title', '来源'));
    const ol = m.bubble.appendChild(el('ol', 'sources'));
    for (const c of cites) {
      const b = button('source-link', null, { n: c.n });
      b.append(el('span', 'src-n', `[${c.n}]`), ' ' + sourceLabel(c));
      ol.appendChild(el('li')).append(b);
    }
  }
  m.bubble.appendChild(el('div', 'actions')).append(button('copy', '复制回答'));
  m.msg.classList.add('done');
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

function remember(user, answer) {
  state.history.push({ role: 'user', content: user }, { role: 'assistant', content: answer || '' });
  state.history = state.history.slice(-8);
}

// ---------- Ask (streaming over fetch + SSE) ----------

async function ask(question) {
  question = question.trim();
  if (!question || state.busy) return;
  setBusy(true);
  addUser(question);
  const m = addAssistant('正在检索文件…');
  let text = '';
  let meta = null;
  let final = null;
  try {
    const res = await api('/api/ask', {
      json: { question, history: state.history.slice(-6) },
      headers: { Accept: 'text/event-stream' },
    });
    if (!(res.headers.get('content-type') || '').includes('text/event-stream') || !res.body) {
      final = await res.json(); // server replied with plain JSON instead
    } else {
      await readSSE(res, (name, raw) => {
        const data = JSON.parse(raw);
        if (name === 'meta') {
          meta = data;
          state.msgData.set(m.msg, { answer: '', ...data }); // lets [n] work mid-stream
          m.msg.classList.toggle('abstain', !!data.abstained);
        } else if (name === 'delta') {
          const stick = nearBottom();
          text += data.text || '';
          renderText(m.body, text, meta && meta.citations);
          scrollDown(stick);
        } else if (name === 'done') {
          final = data;
        } else if (name === 'error') {
          throw new Error((data.error && data.error.message) || '服务出错');
        }
      });
    }
    if (!final) {
      if (!text) throw new Error('连接中断，未收到回答');
      final = { mode: 'answer', abstained: false, citations: [], ...meta, answer: text };
    }
    finishAnswer(m, final);
    remember(question, final.answer);
  } catch (err) {
    showError(m, err);
  } finally {
    setBusy(false);
  }
}

// ---------- Summaries ----------

async function summarize(docId, sectionId, label) {
  if (state.busy) return;
  setDrawer(false);
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

function summaryLabel(docId, sectionId) {
  const d = state.docs.find((x) => x.id === docId);
  const title = d ? d.title : docId || '';
  const s = d && sectionId ? (d.sections || []).find((x) => x.id === sectionId) : null;
  return s ? `总结《${title}》· ${(s.path && s.path.length ? s.path : [s.title]).join(' › ')}` : `总结《${title}》`;
}

// ---------- Source panel ----------

/** Fill box with text, wrapping the [start,end) ranges in <mark>. */
function fillMarked(box, text, ranges) {
  box.replaceChildren();
  const rs = (ranges || [])
    .map(([s, e]) => [Math.max(0, s), Math.min(text.length, e)])
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  let pos = 0;
  let first = null;
  for (const [s, e] of rs) {
    if (e <= pos) continue;
    if (s > pos) box.append(text.slice(pos, s));
    const mark = box.appendChild(el('mark', null, text.slice(Math.max(s, pos), e)));
    first = first || mark;
    pos = e;
  }
  if (pos < text.length) box.append(text.slice(pos));
  if (first) first.scrollIntoView({ block: 'nearest' });
}

/** Highlights for passage p: reuse offsets if the text is identical, else re-locate the substrings. */
function rangesFor(p) {
  const src = state.src;
  if (!src || p.paragraphId !== src.focusId) return [];
  if (p.text === src.text) return src.highlights;
  return src.highlights
    .map(([s, e]) => [p.text.indexOf(src.text.slice(s, e)), e - s])
    .filter(([i]) => i >= 0)
    .map(([i, len]) => [i, i + len]);
}

function renderPassage(p) {
  $('#src-title').textContent = p.docTitle || '';
  $('#src-path').textContent = (p.sectionPath || []).join(' › ');
  $('#src-para').textContent = paraLabel(p.paragraph);
  fillMarked($('#src-text'), p.text || '', rangesFor(p));
  for (const [sel, id] of [['#src-prev', p.previousId], ['#src-next', p.nextId]]) {
    $(sel).disabled = !id;
    $(sel).dataset.id = id || '';
  }
}

function setPanel(open) {
  $('#source-panel').hidden = !open;
  document.body.classList.toggle('panel-open', open);
}

async function loadPassage(id) {
  try {
    renderPassage(await getJSON('/api/passages/' + encodeURIComponent(id)));
  } catch (err) {
    $('#src-para').textContent = '无法加载段落：' + err.message;
  }
}

function openCitation(c) {
  let hl = c.highlights || [];
  if (!hl.length && c.quote && c.text && c.text.includes(c.quote)) {
    const i = c.text.indexOf(c.quote);
    hl = [[i, i + c.quote.length]];
  }
  state.src = { focusId: c.paragraphId, text: c.text || '', highlights: hl };
  renderPassage({ ...c, previousId: null, nextId: null }); // show at once from the citation…
  setPanel(true);
  if (c.paragraphId) loadPassage(c.paragraphId);             // …then fetch prev/next links
}

// ---------- Document browser ----------

function renderDocs(docs) {
  const box = $('#docs');
  box.replaceChildren();
  if (!docs.length) box.append(el('p', 'muted', '暂无已收录的文件'));
  for (const d of docs) {
    const wrap = box.appendChild(el('div', 'doc'));
    const toggle = button('doc-toggle', d.title);
    toggle.setAttribute('aria-expanded', 'true');
    wrap.appendChild(el('div', 'doc-head')).append(toggle, button('summarize', '总结', { docId: d.id }));
    const meta = [d.date, d.organisation || d.author, d.paragraphs != null ? `${d.paragraphs} 段` : '']
      .filter(Boolean).join(' · ');
    wrap.append(el('div', 'doc-meta', meta));
    const ul = wrap.appendChild(el('ul', 'sections'));
    for (const s of d.sections || []) {
      const li = ul.appendChild(el('li', `sec lvl-${Math.min(Math.max(s.level || 1, 1), 4)}`));
      const t = li.appendChild(el('span', 'sec-title', s.title));
      t.title = (s.path || []).join(' › ');
      li.append(button('summarize', '总结', { docId: d.id, sectionId: s.id }));
    }
  }
}

function setDrawer(open) {
  document.body.classList.toggle('drawer-open', open);
  $('#docs-toggle').setAttribute('aria-expanded', String(open));
}

// ---------- Health / embedder badge ----------

async function loadHealth() {
  const badge = $('#embedder');
  try {
    const h = await getJSON('/api/health');
    const e = h.embedder || {};
    badge.title = `模型：${e.model || '-'}，维度：${e.dims || '-'}；文件 ${h.documents} 篇，段落 ${h.passages} 个`;
    const builtin = e.kind !== 'transformer';
    badge.textContent = builtin ? '内置检索模型' : '向量模型：' + (e.model || 'transformer');
    badge.className = 'badge ' + (builtin ? 'degraded' : 'ok');
    $('#notice').textContent = '内置检索模型（降级模式）：未加载预训练向量模型，语义匹配能力有限';
    $('#notice').hidden = !builtin;
  } catch (err) {
    badge.textContent = '服务不可用';
    badge.className = 'badge down';
    badge.title = err.message;
  }
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch (_) { // fallback for non-secure contexts / older browsers
    const ta = document.body.appendChild(el('textarea', 'offscreen'));
    ta.value = text;
    ta.select();
    document.execCommand('copy');
    ta.remove();
  }
}

// ---------- Events ----------

function init() {
  const q = $('#question');
  const autosize = () => {
    q.style.height = 'auto';
    q.style.height = Math.min(q.scrollHeight, 180) + 'px';
  };
  const submit = () => {
    if (state.busy || !q.value.trim()) return;
    const text = q.value;
    q.value = '';
    autosize();
    ask(text);
  };
  q.addEventListener('input', autosize);
  q.addEventListener('keydown', (e) => {
    // Enter sends, Shift+Enter inserts a newline; ignore Enter while an IME is composing.
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      submit();
    }
  });
  $('#composer').addEventListener('submit', (e) => { e.preventDefault(); submit(); });
  document.querySelectorAll('.example').forEach((b) => b.addEventListener('click', () => ask(b.textContent)));

  // Delegated clicks inside the thread: citations, sources, suggestions, copy.
  thread.addEventListener('click', (e) => {
    const t = e.target.closest('button');
    if (!t) return;
    const ans = state.msgData.get(t.closest('.msg.assistant'));
    if (t.matches('.suggestion')) {
      summarize(t.dataset.docId, t.dataset.sectionId, '总结 ' + t.textContent);
    } else if (t.matches('.cite, .source-link')) {
      const c = ((ans && ans.citations) || []).find((x) => String(x.n) === t.dataset.n);
      if (c) openCitation(c);
    } else if (t.matches('.copy') && ans) {
      const src = (ans.citations || []).map((c) => `[${c.n}] ${sourceLabel(c)}`).join('\n');
      copyText(ans.answer + (src ? '\n\n来源：\n' + src : '')).then(() => {
        t.textContent = '已复制';
        setTimeout(() => { t.textContent = '复制回答'; }, 1500);
      });
    }
  });

  $('#docs').addEventListener('click', (e) => {
    const t = e.target.closest('button');
    if (!t) return;
    if (t.matches('.summarize')) {
      summarize(t.dataset.docId, t.dataset.sectionId, summaryLabel(t.dataset.docId, t.dataset.sectionId));
    } else if (t.matches('.doc-toggle')) {
      const open = t.getAttribute('aria-expanded') !== 'true';
      t.setAttribute('aria-expanded', String(open));
      t.closest('.doc').classList.toggle('collapsed', !open);
    }
  });

  for (const sel of ['#src-prev', '#src-next']) {
    $(sel).addEventListener('click', () => { if ($(sel).dataset.id) loadPassage($(sel).dataset.id); });
  }
  $('#source-close').addEventListener('click', () => setPanel(false));
  $('#docs-toggle').addEventListener('click', () => setDrawer(!document.body.classList.contains('drawer-open')));
  $('#docs-close').addEventListener('click', () => setDrawer(false));
  $('#backdrop').addEventListener('click', () => { setDrawer(false); setPanel(false); });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { setPanel(false); setDrawer(false); }
  });
  $('#new-chat').addEventListener('click', () => {
    if (state.busy) return;
    thread.replaceChildren();
    state.history = [];
    $('#empty').hidden = false;
    setPanel(false);
  });

  loadHealth();
  getJSON('/api/documents')
    .then((r) => { state.docs = r.documents || []; renderDocs(state.docs); })
    .catch((err) => $('#docs').replaceChildren(el('p', 'error-text', '目录加载失败：' + err.message)));
}

init();
