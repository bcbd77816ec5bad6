/**
 * OpenAI-compatible chat completions, so existing clients (the `openai` SDK, chat UIs)
 * can use the knowledge base as a "model". The last user message is the question, the
 * earlier ones its history; citations travel in an extra `citations` field.
 */
import { randomUUID } from 'node:crypto';
import express from 'express';
import type { Answerer } from '../answer/answer.js';
import type { Turn } from '../answer/types.js';
import { HttpError } from './errors.js';
import { answerPieces, startSse } from './sse.js';
import { cleanText, LIMITS } from './validate.js';

export const MODEL_ID = 'policy-qa-knowledge-base';

interface ChatMessage {
  role: string;
  content: unknown;
}

/** Message content may be a string or a list of {type: "text", text} parts. */
function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('');
  return undefined;
}

function parseMessages(body: unknown): { question: string; history: Turn[]; stream: boolean } {
  const b = (body ?? {}) as { messages?: unknown; stream?: unknown };
  if (!Array.isArray(b.messages) || b.messages.length === 0) throw new HttpError(400, 'invalid_messages', '"messages" must be a non-empty list of {"role", "content"}.');
  if (b.messages.length > LIMITS.historyTurns + 1) throw new HttpError(400, 'history_too_long', `Send at most ${LIMITS.historyTurns + 1} messages.`);
  const turns = (b.messages as ChatMessage[]).map((m, i) => {
    if (!m || typeof m !== 'object') throw new HttpError(400, 'invalid_messages', `messages[${i}] must be an object.`);
    const text = contentText(m.content);
    if (text === undefined) throw new HttpError(400, 'invalid_messages', `messages[${i}].content must be a string.`);
    return { role: m.role, content: text };
  });
  const lastUser = turns.map((t) => t.role).lastIndexOf('user');
  if (lastUser < 0) throw new HttpError(400, 'invalid_messages', 'There is no "user" message to answer.');
  const history = turns.slice(0, lastUser).filter((t): t is Turn => t.role === 'user' || t.role === 'assistant');
  return { question: cleanText(turns[lastUser].content, 'question', LIMITS.questionChars), history, stream: b.stream === true };
}

export function openAiRoutes(getAnswerer: () => Answerer): express.Router {
  const router = express.Router();
  router.get('/v1/models', (_req, res) => {
    res.json({ object: 'list', data: [{ id: MODEL_ID, object: 'model', created: 0, owned_by: 'policy-qa' }] });
  });

  router.post('/v1/chat/completions', async (req, res) => {
    const { question, history, stream } = parseMessages(req.body);
    const answer = await getAnswerer().answer(question, history);
    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const model = typeof req.body.model === 'string' ? req.body.model : MODEL_ID;
    if (!stream) {
      res.json({
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: answer.answer }, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
        citations: answer.citations,
        mode: answer.mode,
        abstained: answer.abstained,
      });
      return;
    }
    const send = startSse(res);
    const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) =>
      send(undefined, { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }], ...extra });
    chunk({ role: 'assistant', content: '' }, null);
    for (const text of answerPieces(answer.answer)) chunk({ content: text }, null);
    chunk({}, 'stop', { citations: answer.citations, mode: answer.mode, abstained: answer.abstained });
    send(undefined, '[DONE]');
    res.end();
  });
  return router;
}
