/** GET /api/passages/:id: one paragraph (by paragraph or passage id) with its neighbours' ids. */
import type { RequestHandler } from 'express';
import type { RouteContext } from '../context.js';
import { HttpError } from '../errors.js';

export function passage(ctx: RouteContext): RequestHandler {
  return (req, res) => {
    const { kb } = ctx.answerer();
    const id = String(req.params.id);
    const p = kb.paragraph(id) ?? kb.paragraph(kb.passageById.get(id)?.paragraphId ?? '');
    if (!p) throw new HttpError(404, 'unknown_passage', `No paragraph or passage with id "${id}".`);
    const doc = kb.docById.get(p.docId)!;
    const siblings = kb.documentParagraphs(doc.id);
    const at = siblings.findIndex((s) => s.id === p.id);
    res.json({
      paragraphId: p.id,
      docId: doc.id,
      docTitle: doc.meta.title,
      sectionId: p.sectionId,
      sectionPath: p.sectionPath,
      paragraph: p.ordinal,
      text: p.text,
      sentences: p.sentences,
      pages: p.pages,
      previousId: siblings[at - 1]?.id,
      nextId: siblings[at + 1]?.id,
    });
  };
}
