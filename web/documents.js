// The document list from GET /api/documents, and the documents/sections browser in the sidebar,
// where each ready document and section can be summarised.

import { getJSON } from './api.js';
import { $, button, el } from './dom.js';

let docs = [];
const listeners = [];

/** A document without `status` comes from a server that only lists indexed documents. */
export const isReady = (d) => !d.status || d.status === 'ready';

/** Call fn(docs) after every load of the list. */
export function onDocuments(fn) {
  listeners.push(fn);
}

function renderDocs() {
  const box = $('#docs');
  box.replaceChildren();
  if (!docs.length) box.append(el('p', 'muted', '暂无已收录的文件'));
  for (const d of docs.filter(isReady)) {
    const wrap = box.appendChild(el('div', 'doc'));
    const toggle = button('doc-toggle', d.title);
    toggle.setAttribute('aria-expanded', 'true');
    wrap.appendChild(el('div', 'doc-head')).append(toggle, button('summarize', '总结', { docId: d.id }));
    const meta = [d.date, d.organisation || d.author, d.paragraphs != null ? `${d.paragraphs} 段` : '']
      .filter(Boolean)
      .join(' · ');
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

/** The user's line for a summary request: 总结《title》 · section path. */
export function summaryLabel(docId, sectionId) {
  const d = docs.find((x) => x.id === docId);
  const title = d ? d.title : docId || '';
  const s = d && sectionId ? (d.sections || []).find((x) => x.id === sectionId) : null;
  if (!s) return `总结《${title}》`;
  return `总结《${title}》· ${(s.path?.length ? s.path : [s.title]).join(' › ')}`;
}

export function setDrawer(open) {
  document.body.classList.toggle('drawer-open', open);
  $('#docs-toggle').setAttribute('aria-expanded', String(open));
}

/** Fetch the list, render the sidebar and tell the listeners; throws when the list cannot be read. */
export async function loadDocuments() {
  try {
    docs = (await getJSON('/api/documents')).documents || [];
  } catch (err) {
    $('#docs').replaceChildren(el('p', 'error-text', `目录加载失败：${err.message}`));
    throw err;
  }
  renderDocs();
  for (const fn of listeners) fn(docs);
  return docs;
}

/** Wire the sidebar; onSummarize(docId, sectionId, label) runs a summary. */
export function initDocuments(onSummarize) {
  $('#docs').addEventListener('click', (e) => {
    const t = e.target.closest('button');
    if (!t) return;
    if (t.matches('.summarize')) {
      setDrawer(false);
      onSummarize(t.dataset.docId, t.dataset.sectionId, summaryLabel(t.dataset.docId, t.dataset.sectionId));
    } else if (t.matches('.doc-toggle')) {
      const open = t.getAttribute('aria-expanded') !== 'true';
      t.setAttribute('aria-expanded', String(open));
      t.closest('.doc').classList.toggle('collapsed', !open);
    }
  });
  $('#docs-toggle').addEventListener('click', () => setDrawer(!document.body.classList.contains('drawer-open')));
  $('#docs-close').addEventListener('click', () => setDrawer(false));
}
