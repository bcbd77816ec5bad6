// Answer rendering: answer text with clickable citation markers, sources list, suggestions.
import { button, el } from './dom.js';

export const paraLabel = (n) => (n === 0 ? '标题/署名' : `第${n}段`);
export const sourceLabel = (c) =>
  [c.docTitle, (c.sectionPath || []).join(' › '), paraLabel(c.paragraph)].filter(Boolean).join(' · ');

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
  for (const seg of segments) {
    const parts = String(seg.text ?? '').split('\n');
    parts.forEach((text, j) => {
      if (j > 0) lines.push([]);
      const last = j === parts.length - 1;
      lines[lines.length - 1].push({ text, cited: seg.n != null, n: last && seg.n != null ? seg.n : undefined });
    });
  }
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
export const segmentsOf = (ans) => (Array.isArray(ans.segments) ? ans.segments : [{ text: ans.answer || '' }]);

/** Fill an assistant bubble with a finished answer: tags, text, suggestions, sources, actions. */
export function renderAnswer(bubble, body, ans) {
  const cites = ans.citations || [];
  bubble.replaceChildren();
  if (ans.mode === 'summary') bubble.append(el('span', 'mode-tag', '总结'));
  if (ans.abstained) bubble.append(el('span', 'mode-tag', '未找到可靠依据'));
  bubble.append(body);
  renderSegments(body, segmentsOf(ans), cites);

  // Abstention: offer the suggested sections, each clickable to summarize it.
  const sugg = ans.suggestions || [];
  if (ans.abstained && sugg.length) {
    const box = bubble.appendChild(el('div', 'suggest'));
    box.append(el('p', 'muted', '可以看看这些相关章节（点击生成总结）：'));
    for (const s of sugg) {
      const label = [s.docTitle, ...(s.sectionPath || [])].join(' › ');
      box.append(button('suggestion', label, { docId: s.docId, sectionId: s.sectionId }));
    }
  }
  // Sources list: document · section · 第N段, each opening the source panel.
  if (cites.length) {
    bubble.append(el('div', 'sources-title', '来源'));
    const ol = bubble.appendChild(el('ol', 'sources'));
    for (const c of cites) {
      const b = button('source-link', null, { n: c.n });
      b.append(el('span', 'src-n', `[${c.n}]`), ' ' + sourceLabel(c));
      ol.appendChild(el('li')).append(b);
    }
  }
  bubble.appendChild(el('div', 'actions')).append(button('copy', '复制回答'));
}

/** The answer and its sources as plain text, for the clipboard. */
export function answerAsText(ans) {
  const src = (ans.citations || []).map((c) => `[${c.n}] ${sourceLabel(c)}`).join('\n');
  return ans.answer + (src ? '\n\n来源：\n' + src : '');
}
