// Answer rendering: answer text with clickable citation markers, sources list, suggestions.
import { button, el } from './dom.js';

const paraLabel = (n) => (n === 0 ? '标题/署名' : `第${n}段`);
/** 第3段 · 第2页 (the page only for paginated sources such as PDF). */
export const placeLabel = (paragraph, page) =>
  [paragraph != null ? paraLabel(paragraph) : '', page ? `第${page}页` : ''].filter(Boolean).join(' · ');
export const sourceLabel = (c) =>
  [c.docTitle, (c.sectionPath || []).join(' › '), placeLabel(c.paragraph, c.page)].filter(Boolean).join(' · ');

/** A citation marker: a button carrying its number, labelled with its source. */
function marker(n, c) {
  const b = button('cite', n, { n });
  if (c) b.title = sourceLabel(c);
  b.setAttribute('aria-label', `来源 ${n}`);
  return b;
}

/**
 * Segments as lines of pieces { text, cited, n? }; a piece with `n` gets a marker after it.
 * Markers come only from `segment.n`: "[1]" inside quoted text stays text.
 */
function segmentLines(segments) {
  const lines = [[]];
  segments.forEach((seg, i) => {
    const parts = String(seg.text ?? '').split('\n');
    // Consecutive segments quoting the same source share one marker, after the last of them.
    const n = seg.n != null && !(segments[i + 1] && segments[i + 1].n === seg.n) ? seg.n : undefined;
    parts.forEach((text, j) => {
      if (j > 0) lines.push([]);
      lines[lines.length - 1].push({ text, cited: seg.n != null, n: j === parts.length - 1 ? n : undefined });
    });
  });
  return lines;
}

const LIST_ITEM = /^\s*(?:([-*•])\s+|(\d{1,3})(?:[.)]\s+|、\s*))/;
const HEADING = /^#{1,6}\s+/;

function appendPieces(parent, pieces, byN) {
  for (const p of pieces) {
    if (p.text) parent.append(p.text);
    if (p.n != null) parent.append(marker(p.n, byN.get(p.n)));
  }
}

/**
 * Render answer segments into box: paragraphs, with "- " / "1. " lists and "#" headings taken
 * only from the uncited text that opens a line (the answer's own structure, never a quote's).
 */
export function renderSegments(box, segments, citations) {
  const byN = new Map((citations || []).map((c) => [c.n, c]));
  box.replaceChildren();
  let list = null;
  for (const pieces of segmentLines(segments || [])) {
    if (!pieces.some((p) => p.text.trim() || p.n != null)) {
      list = null;
      continue;
    }
    const first = pieces[0];
    const item = first.cited ? null : LIST_ITEM.exec(first.text);
    const heading = first.cited || item ? null : HEADING.exec(first.text);
    const prefix = item || heading;
    const rest = prefix ? [{ ...first, text: first.text.slice(prefix[0].length) }, ...pieces.slice(1)] : pieces;
    if (item) {
      const tag = item[1] ? 'UL' : 'OL';
      if (!list || list.tagName !== tag) {
        list = box.appendChild(el(tag.toLowerCase()));
        if (item[2]) list.start = Number(item[2]);
      }
      appendPieces(list.appendChild(el('li')), rest, byN);
      continue;
    }
    list = null;
    appendPieces(box.appendChild(el('p', heading ? 'heading' : null)), rest, byN);
  }
}

/** The answer's segments; an answer without them is shown as plain text. */
const segmentsOf = (ans) => (Array.isArray(ans.segments) ? ans.segments : [{ text: ans.answer || '' }]);

const MODE_TAGS = { summary: '总结', partial: '部分回答', abstain: '未找到可靠依据' };

/** The exact answer span, in bold, above the quotes. */
function directLine(direct) {
  const p = el('p', 'direct');
  p.append(el('strong', null, direct));
  return p;
}

/**
 * The text an abstention shows above its suggestion buttons: only its first line, since the
 * server's text lists the same suggestions again on further lines for plain-text clients.
 */
function firstLine(segments) {
  const out = [];
  for (const s of segments) {
    const i = String(s.text).indexOf('\n');
    if (i >= 0) return [...out, { ...s, text: s.text.slice(0, i) }];
    out.push(s);
  }
  return out;
}

/** Suggestions without repeats of the same document section. */
function distinctSuggestions(suggestions) {
  const seen = new Set();
  return (suggestions || []).filter((s) => {
    const key = `${s.docId}\u0000${s.sectionId || ''}`;
    return !seen.has(key) && seen.add(key);
  });
}

/** The message's look follows the answer's mode (answer, list, summary, partial, abstain). */
function setMode(msg, ans) {
  msg.classList.toggle('abstain', !!ans.abstained);
  msg.dataset.mode = ans.abstained ? 'abstain' : ans.mode || '';
}

/**
 * While an answer streams into message m ({msg, bubble, body}): the direct span (known from `meta`)
 * and the segments so far.
 */
export function renderPartial(m, ans) {
  setMode(m.msg, ans);
  m.bubble.replaceChildren(...(ans.direct ? [directLine(ans.direct)] : []), m.body);
  renderSegments(m.body, ans.segments, ans.citations);
}

/** Fill message m with a finished answer: tag, direct span, text, suggestions, sources, actions. */
export function renderAnswer(m, ans) {
  const { bubble, body } = m;
  const cites = ans.citations || [];
  const mode = ans.abstained ? 'abstain' : ans.mode;
  const sugg = ans.abstained ? distinctSuggestions(ans.suggestions) : [];
  setMode(m.msg, ans);
  bubble.replaceChildren();
  if (MODE_TAGS[mode]) bubble.append(el('span', 'mode-tag', MODE_TAGS[mode]));
  if (ans.direct) bubble.append(directLine(ans.direct));
  bubble.append(body);
  renderSegments(body, sugg.length ? firstLine(segmentsOf(ans)) : segmentsOf(ans), cites);

  // Abstention: offer the suggested sections, each clickable to summarize it.
  if (sugg.length) {
    const box = bubble.appendChild(el('div', 'suggest'));
    box.append(el('p', 'muted', '可以看看这些相关章节（点击生成总结）：'));
    for (const s of sugg) {
      const label = [s.docTitle, ...(s.sectionPath || [])].join(' › ');
      box.append(button('suggestion', label, { docId: s.docId, sectionId: s.sectionId }));
    }
  }
  // Sources list: document · section · 第N段 · 第N页, each opening the source panel.
  if (cites.length) {
    bubble.append(el('div', 'sources-title', '来源'));
    const ol = bubble.appendChild(el('ol', 'sources'));
    for (const c of cites) {
      const b = button('source-link', null, { n: c.n });
      b.append(el('span', 'src-n', `[${c.n}]`), ` ${sourceLabel(c)}`);
      ol.appendChild(el('li')).append(b);
    }
  }
  bubble.appendChild(el('div', 'actions')).append(button('copy', '复制回答'));
}

/** The answer and its sources as plain text, for the clipboard. */
export function answerAsText(ans) {
  const src = (ans.citations || []).map((c) => `[${c.n}] ${sourceLabel(c)}`).join('\n');
  return (ans.direct ? `${ans.direct}\n\n` : '') + ans.answer + (src ? `\n\n来源：\n${src}` : '');
}
