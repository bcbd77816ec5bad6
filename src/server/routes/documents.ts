/** GET /api/documents: every document with its section tree. */
import type { RequestHandler } from 'express';
import type { RouteContext } from '../context.js';

export function documents(ctx: RouteContext): RequestHandler {
  return (_req, res) => {
    res.json({ documents: ctx.answerer().kb.tree() });
  };
}
