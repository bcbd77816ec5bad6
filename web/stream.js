// Assembles an answer from the SSE events of /api/ask: `meta`, then `delta`s, then `done` (or `error`).
// A delta is either `{segment: {text, n?}, citation?}` or, from older servers, `{text}` with markers inline;
// old-style text is shown as plain text until `done` brings the segments.

export class AnswerStream {
  meta = {};
  segments = [];
  citations = [];
  legacyText = '';
  done = null;

  addCitation(c) {
    if (c && !this.citations.some((x) => x.n === c.n)) this.citations.push(c);
  }

  /** Apply one event with its parsed data; an `error` event throws. */
  apply(name, data) {
    if (name === 'meta') {
      this.meta = data;
      for (const c of data.citations || []) this.addCitation(c);
    } else if (name === 'delta') {
      if (data.segment) {
        this.segments.push(data.segment);
        this.addCitation(data.citation);
      } else {
        this.legacyText += data.text || '';
      }
    } else if (name === 'done') {
      this.done = data;
    } else if (name === 'error') {
      throw new Error(data.error?.message || '服务出错');
    }
  }

  /** The answer as far as it has arrived. */
  current() {
    const segments = this.segments.length ? this.segments : [{ text: this.legacyText }];
    const answer = this.legacyText || segments.map((s) => s.text + (s.n != null ? `[${s.n}]` : '')).join('');
    const { meta, citations } = this;
    const abstained = meta.abstained ?? meta.mode === 'abstain'; // older servers send the flag in `meta`
    return { mode: 'answer', direct: null, ...meta, abstained, citations, segments, answer };
  }

  /** The final answer: `done` when it came, else what arrived before the stream ended. */
  result() {
    if (this.done) return this.done;
    if (!this.segments.length && !this.legacyText) throw new Error('连接中断，未收到回答');
    return this.current();
  }
}
