/**
 * OpenAI-compatible chat completions, so existing clients (the `openai` SDK, chat UIs)
 * can use the knowledge base as a "model". The last user message is the question, the
 * earlier ones its history; citations travel in an extra `citations` field.
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { segmentsText } from '../../answer/citations.js';
import type { Turn } from '../../answer/types.js';
import { queueFor, type RouteContext } from '../context.js';
import { HttpError } from '../errors.js';
import { replyJson, requestSignal } from '../middleware.js';
import { streamSse } from '../sse.js';
import { cleanText, LIMITS } from '../validate.js';

export const MODEL_ID = 'policy-qa-knowledge-base';

interface ChatMessage {
  role: string;
  content: unknown;
}

/** Message content may be a string or a list of {type: "text", text} parts; an assistant's may be null. */
function contentText(message: ChatMessage): string | undefined {
  const { content } = message;
  if (typeof content === 'string') return content;
  if (content === null && message.role === 'assistant') return '';
  if (Array.isArray(content)) {
    const texts = content.map((part) => (part as { text?: unknown } | null)?.text);
    return texts.map((t) => (typeof t === 'string' ? t : '')).join('');
  }
  return undefined;
}

function parseMessages(body: unknown): { question: string; history: Turn[]; stream: boolean } {
  const b = (body ?? {}) as { messages?: unknown; stream?: unknown };
  if (!Array.isArray(b.messages) || b.messages.length === 0) {
    throw new HttpError(400, 'invalid_messages', '"messages" must be a non-empty list of {"role", "content"}.');
  }
  if (b.messages.length > LIMITS.historyTurns + 1) {
    throw new HttpError(400, 'history_too_long', `Send at most ${LIMITS.historyTurns + 1} messages.`);
  }
  const turns = (b.messages as ChatMessage[]).map((m, i) => {
    if (!m || typeof m !== 'object') throw new HttpError(400, 'invalid_messages', `messages[${i}] must be an object.`);
    const text = contentText(m);
    if (text === undefined) throw new HttpError(400, 'invalid_messages', `messages[${i}].content must be a string.`);
    return { role: m.role, content: text };
  });
  const lastUser = turns.map((t) => t.role).lastIndexOf('user');
  if (lastUser < 0) throw new HttpError(400, 'invalid_messages', 'There is no "user" message to answer.');
  const history = turns.slice(0, lastUser).filter((t): t is Turn => t.role === 'user' || t.role === 'assistant');
  const question = cleanText(turns[lastUser].content, 'question', LIMITS.questionChars);
  return { question, history, stream: b.stream === true };
}

export const models: RequestHandler = (_req, res) => {
  res.json({ object: 'list', data: [{ id: MODEL_ID, object: 'model', created: 0, owned_by: 'policy-qa' }] });
};

export function chatCompletions(ctx: RouteContext): RequestHandler {
  return async (req, res) => {
    const { question, history, stream } = parseMessages(req.body);
    const answerer = ctx.answerer();
    const signal = requestSignal(res);
    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const model = typeof req.body.model === 'string' ? req.body.model : MODEL_ID;
    if (!stream) {
      const work = () => answerer.answer(question, history, { signal });
      const answer = await queueFor(ctx, question).run(work, signal);
      const message = { role: 'assistant', content: answer.answer };
      replyJson(res, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
        citations: answer.citations,
        mode: answer.mode,
        abstained: answer.abstained,
      });
      return;
    }
    await queueFor(ctx, question).run(
      () =>
        streamSse(res, async (send) => {
          type Fields = Record<string, unknown>;
          const chunk = (delta: Fields, finish: string | null, extra: Fields = {}) => {
            const choice = { index: 0, delta, finish_reason: finish, logprobs: null };
            send(undefined, { id, object: 'chat.completion.chunk', created, model, choices: [choice], ...extra });
          };
          for await (const event of answerer.events(question, history, { signal })) {
            signal.throwIfAborted();
            if (event.type === 'meta') {
              chunk({ role: 'assistant', content: '' }, null);
            } else if (event.type === 'delta') {
              chunk({ content: segmentsText([event.segment]) }, null);
            } else {
              const { citations, mode, abstained } = event.answer;
              chunk({}, 'stop', { citations, mode, abstained });
            }
          }
          send(undefined, '[DONE]');
        }),
      signal,
    );
  };
}
