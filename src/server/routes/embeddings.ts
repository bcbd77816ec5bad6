/**
 * POST /v1/embeddings, OpenAI-compatible: the vectors of the embedder the knowledge base being
 * served was built with, so a client can search with the same vectors (or build its own index).
 * `input_type` picks the embedder's query or passage side (e5's `query: ` / `passage: `
 * prefixes live inside the embedder); `encoding_format: "base64"` is what the official
 * clients ask for by default.
 */
import type { RequestHandler } from 'express';
import type { Embedder } from '../../index/embedders/types.js';
import type { RouteContext } from '../context.js';
import { HttpError } from '../errors.js';
import { replyJson, requestSignal } from '../middleware.js';
import { cleanText, LIMITS } from '../validate.js';

type InputType = 'query' | 'passage';
type EncodingFormat = 'float' | 'base64';

interface EmbeddingsRequest {
  texts: string[];
  inputType: InputType;
  encoding: EncodingFormat;
}

const INPUT_SHAPE = `a string or a list of 1–${LIMITS.embeddingInputs} strings`;

/** One of `allowed` (the first when absent or null), or a 400 that lists them. */
function choice<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (value === undefined || value === null) return allowed[0];
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  const shown = typeof value === 'string' ? `"${value.slice(0, 40)}"` : JSON.stringify(value)?.slice(0, 40);
  const options = allowed.map((a) => `"${a}"`).join(' or ');
  throw new HttpError(
    400,
    `invalid_${field}`,
    `"${field}" must be ${options} (default "${allowed[0]}"), got ${shown}.`,
  );
}

function parseEmbeddings(body: unknown, info: Embedder['info']): EmbeddingsRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new HttpError(400, 'invalid_body', 'The body must be a JSON object like {"model": "…", "input": "…"}.');
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string')
    throw new HttpError(
      400,
      'invalid_model',
      `"model" must be a string (any name: the server embeds with its own model, ${info.model}).`,
    );
  const { input } = b;
  if (input === undefined) throw new HttpError(400, 'invalid_input', `"input" is missing; send ${INPUT_SHAPE}.`);
  const items = Array.isArray(input) ? input : typeof input === 'string' ? [input] : undefined;
  if (!items) throw new HttpError(400, 'invalid_input', `"input" must be ${INPUT_SHAPE}, got ${typeOf(input)}.`);
  if (items.length === 0) throw new HttpError(400, 'empty_input', `"input" is an empty list; send ${INPUT_SHAPE}.`);
  if (items.length > LIMITS.embeddingInputs)
    throw new HttpError(
      400,
      'too_many_inputs',
      `"input" has ${items.length} texts; send at most ${LIMITS.embeddingInputs} per request.`,
    );
  const texts = items.map((item, i) => {
    const [label, hint] = Array.isArray(input)
      ? [`input[${i}]`, 'write some text or drop it']
      : ['input', 'write some text'];
    if (typeof item === 'number' || Array.isArray(item))
      throw new HttpError(400, 'invalid_input', `"${label}" must be a string; token ids are not accepted, send text.`);
    return cleanText(item, 'input', LIMITS.questionChars, { label, hint });
  });
  const inputType = choice(b.input_type, 'input_type', ['query', 'passage'] as const);
  const encoding = choice(b.encoding_format, 'encoding_format', ['float', 'base64'] as const);
  if (b.dimensions !== undefined && b.dimensions !== null && b.dimensions !== info.dims)
    throw new HttpError(
      400,
      'invalid_dimensions',
      `"dimensions" must be ${info.dims}: ${info.model} makes ${info.dims}-dimensional vectors and cannot shorten them; ` +
        `leave "dimensions" out.`,
    );
  return { texts, inputType, encoding };
}

function typeOf(value: unknown): string {
  return value === null ? 'null' : typeof value;
}

/** Little-endian float32 bytes, base64: what the OpenAI clients decode. */
function base64Floats(vector: number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  for (const [i, x] of vector.entries()) bytes.writeFloatLE(x, i * 4);
  return bytes.toString('base64');
}

export function embeddings(ctx: RouteContext): RequestHandler {
  return async (req, res) => {
    const { embedder } = ctx.answerer().kb;
    const { texts, inputType, encoding } = parseEmbeddings(req.body, embedder.info);
    const signal = requestSignal(res);
    const work = () => (inputType === 'passage' ? embedder.embedDocuments(texts) : embedder.embedQueries(texts));
    // Embedding is the same CPU work as answering, so it waits in the questions' queue.
    const vectors = await ctx.asks.run(work, signal);
    const tokens = texts.reduce((sum, text) => sum + embedder.length(text), 0);
    replyJson(res, {
      object: 'list',
      data: vectors.map((v, index) => ({
        object: 'embedding',
        index,
        embedding: encoding === 'base64' ? base64Floats(v) : v,
      })),
      model: embedder.info.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  };
}
