/**
 * Request validation: every rule says what to fix. Unknown fields are ignored.
 */
import type { Turn } from '../answer/types.js';
import { HttpError } from './errors.js';

export const LIMITS = {
  questionChars: 2000,
  historyTurns: 50,
  turnChars: 8000,
  bodyBytes: '64kb',
  /** Texts in one POST /v1/embeddings (each at most `questionChars`). */
  embeddingInputs: 256,
} as const;

// Lone surrogates and NUL cannot be searched or safely echoed; reject them with a clear message.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * `value` as searchable text. `field` names the error codes (`invalid_<field>`, `empty_<field>`,
 * `<field>_too_long`); `label` is what the messages call it (`input[3]`), `hint` how to fix an empty one.
 */
export function cleanText(
  value: unknown,
  field: string,
  maxChars: number,
  { label = field, hint = 'write a question' }: { label?: string; hint?: string } = {},
): string {
  if (typeof value !== 'string')
    throw new HttpError(
      400,
      `invalid_${field}`,
      `"${label}" must be a string${value === undefined ? ' (it is missing)' : `, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`}.`,
    );
  if (value.includes('\u0000'))
    throw new HttpError(400, `invalid_${field}`, `"${label}" contains a NUL character; remove it.`);
  if (LONE_SURROGATE.test(value))
    throw new HttpError(400, `invalid_${field}`, `"${label}" is not valid Unicode (it has a lone surrogate).`);
  // Zero-width and bidi control characters carry no meaning for search.
  const text = value.replace(/[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g, '').trim();
  if (!text) throw new HttpError(400, `empty_${field}`, `"${label}" is empty; ${hint}.`);
  if (text.length > maxChars)
    throw new HttpError(
      400,
      `${field}_too_long`,
      `"${label}" has ${text.length} characters; the limit is ${maxChars}.`,
    );
  return text;
}

export function parseHistory(value: unknown): Turn[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw new HttpError(
      400,
      'invalid_history',
      '"history" must be a list of {"role": "user"|"assistant", "content": string}.',
    );
  if (value.length > LIMITS.historyTurns)
    throw new HttpError(
      400,
      'history_too_long',
      `"history" has ${value.length} turns; send at most the last ${LIMITS.historyTurns}.`,
    );
  return value.map((turn, i) => {
    const t = turn as { role?: unknown; content?: unknown };
    if (!t || typeof t !== 'object' || (t.role !== 'user' && t.role !== 'assistant') || typeof t.content !== 'string') {
      throw new HttpError(
        400,
        'invalid_history',
        `history[${i}] must be {"role": "user"|"assistant", "content": string}.`,
      );
    }
    if (t.content.length > LIMITS.turnChars)
      throw new HttpError(
        400,
        'history_too_long',
        `history[${i}].content is longer than ${LIMITS.turnChars} characters.`,
      );
    return { role: t.role, content: t.content };
  });
}

export interface AskRequest {
  question: string;
  history: Turn[];
}

export function parseAsk(body: unknown): AskRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new HttpError(400, 'invalid_body', 'The body must be a JSON object like {"question": "…"}.');
  const b = body as Record<string, unknown>;
  return { question: cleanText(b.question, 'question', LIMITS.questionChars), history: parseHistory(b.history) };
}

export function parseSummarize(body: unknown): { docId?: string; sectionId?: string } {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new HttpError(
      400,
      'invalid_body',
      'The body must be a JSON object like {"docId": "…"} or {"sectionId": "…"}.',
    );
  const { docId, sectionId } = body as Record<string, unknown>;
  for (const [name, v] of [
    ['docId', docId],
    ['sectionId', sectionId],
  ] as const) {
    if (v !== undefined && (typeof v !== 'string' || !v))
      throw new HttpError(400, `invalid_${name}`, `"${name}" must be a non-empty string.`);
  }
  if (!docId && !sectionId)
    throw new HttpError(400, 'missing_target', 'Give "docId" or "sectionId" (GET /api/documents lists them).');
  return { docId: docId as string | undefined, sectionId: sectionId as string | undefined };
}
