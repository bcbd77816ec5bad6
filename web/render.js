// Answer rendering: answer text with clickable citation markers, sources list, suggestions.
import { button, el } from './dom.js';

export const paraLabel = (n) => (n === 0 ? '标题/署名' : `第${n}段`);
export const sourceLabel = (c) =>
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
export function renderText(box, text, citations) {
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

/** Fill an assistant bubble with a finished answer: tags, text, suggestions, sources, actions. */
export function renderAnswer(bubble, body, ans) {
  const cites = ans.citations || [];
  bubble.replaceChildren();
  if (ans.mode === 'summary') bubble.append(el('span', 'mode-tag', '总结'));
  if (ans.abstained) bubble.append(el('span', 'mode-tag', '未找到可靠依据'));
  bubble.append(body);
  renderText(body, ans.answer || '', cites);

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
