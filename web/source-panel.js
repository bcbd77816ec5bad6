// The source panel: the cited paragraph with the quoted sentences highlighted, and prev/next navigation.

import { getJSON } from './api.js';
import { $, el } from './dom.js';
import { placeLabel } from './render.js';

let focus = null; // { focusId, text, highlights, page } of the citation that opened the panel

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
  if (first) {
    // Scroll the highlight into view below the sticky title, which stays visible.
    $('#source-panel .panel-body').style.scrollPaddingTop = `${$('#source-panel .src-head').offsetHeight + 8}px`;
    first.scrollIntoView({ block: 'nearest' });
  }
}

/** The cited paragraph shows the page of its quote; others the page they start on, when the server says. */
function pageOf(p) {
  if (focus?.page && p.paragraphId === focus.focusId) return focus.page;
  return p.page || (Array.isArray(p.pages) ? p.pages[0] : undefined);
}

/** Highlights for passage p: reuse offsets if the text is identical, else re-locate the substrings. */
function rangesFor(p) {
  if (!focus || p.paragraphId !== focus.focusId) return [];
  if (p.text === focus.text) return focus.highlights;
  return focus.highlights
    .map(([s, e]) => [p.text.indexOf(focus.text.slice(s, e)), e - s])
    .filter(([i]) => i >= 0)
    .map(([i, len]) => [i, i + len]);
}

function renderPassage(p) {
  $('#src-title').textContent = p.docTitle || '';
  $('#src-path').textContent = (p.sectionPath || []).join(' › ');
  $('#src-para').textContent = placeLabel(p.paragraph, pageOf(p));
  fillMarked($('#src-text'), p.text || '', rangesFor(p));
  for (const [sel, id] of [
    ['#src-prev', p.previousId],
    ['#src-next', p.nextId],
  ]) {
    $(sel).disabled = !id;
    $(sel).dataset.id = id || '';
  }
}

export function setPanel(open) {
  $('#source-panel').hidden = !open;
  document.body.classList.toggle('panel-open', open);
}

async function loadPassage(id) {
  try {
    renderPassage(await getJSON(`/api/passages/${encodeURIComponent(id)}`));
  } catch (err) {
    $('#src-para').textContent = `无法加载段落：${err.message}`;
  }
}

/** Open the panel on a citation: shown at once from the citation, then prev/next links are fetched. */
export function openCitation(c) {
  let hl = c.highlights || [];
  if (!hl.length && c.quote && c.text?.includes(c.quote)) {
    const i = c.text.indexOf(c.quote);
    hl = [[i, i + c.quote.length]];
  }
  focus = { focusId: c.paragraphId, text: c.text || '', highlights: hl, page: c.page };
  setPanel(true); // first, so that the highlight can be scrolled into view
  renderPassage({ ...c, previousId: null, nextId: null });
  if (c.paragraphId) loadPassage(c.paragraphId);
}

export function initSourcePanel() {
  for (const sel of ['#src-prev', '#src-next']) {
    $(sel).addEventListener('click', () => {
      if ($(sel).dataset.id) loadPassage($(sel).dataset.id);
    });
  }
  $('#source-close').addEventListener('click', () => setPanel(false));
}
