/** GET /api/documents: every document with its status and section tree, uploads still indexing included. */
import type { RequestHandler } from 'express';
import type { RouteContext } from '../context.js';
import { documentList } from '../library.js';

export function documents(ctx: RouteContext): RequestHandler {
  return (_req, res) => {
    res.json({ documents: documentList(ctx.answerer().kb, ctx.library) });
  };
}
