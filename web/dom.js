// Small DOM helpers. Corpus and user text only ever go in as text (textContent / text nodes), never as HTML.

export const $ = (sel) => document.querySelector(sel);

/** Create an element with an optional class and text content. */
export function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text != null) node.textContent = String(text);
  return node;
}

/** A type="button" button with data-* attributes (empty values are left out). */
export function button(cls, text, data = {}) {
  const b = el('button', cls, text);
  b.type = 'button';
  for (const [k, v] of Object.entries(data)) if (v != null && v !== '') b.dataset[k] = String(v);
  return b;
}
