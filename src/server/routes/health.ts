/** GET /api/health: what is being served, and whether it is an old index kept because its rebuild failed. */
import type { RequestHandler } from 'express';
import type { RouteContext } from '../context.js';

export function health(ctx: RouteContext): RequestHandler {
  return (_req, res) => {
    const { kb } = ctx.answerer();
    res.json({
      status: kb.stale ? 'stale' : 'ok',
      ...(kb.stale ? { stale: kb.stale } : {}),
      embedder: kb.embedder.info,
      documents: kb.documents.length,
      passages: kb.passages.length,
      builtAt: kb.manifest.createdAt,
    });
  };
}
