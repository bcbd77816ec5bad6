/**
 * Fetch a transformer model from the Hugging Face Hub, or a mirror of it, into the layout the embedder
 * loads offline: `${endpoint}/${id}/resolve/main/${file}` → `${modelsDir}/${id}/${file}`.
 * Each file streams into a temporary name, is checked against Content-Length and renamed into place,
 * so an interrupted download never leaves a file that looks complete. `SHA256SUMS` (sha256sum format)
 * records what was fetched, so a copy on an offline machine can be checked with `sha256sum -c`.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { type Dtype, modelFiles, PROVENANCE_FILE, type Provenance } from './model-files.js';

export const SUMS_FILE = 'SHA256SUMS';

export interface DownloadOptions {
  /** Base URL of the Hub or a mirror (HF_ENDPOINT). */
  endpoint: string;
  modelId: string;
  modelsDir: string;
  dtype: Dtype;
  /** Called as bytes arrive; `total` is undefined when the server sends no Content-Length. */
  onProgress?: (file: string, received: number, total: number | undefined) => void;
}

export interface DownloadedFile {
  file: string;
  bytes: number;
  sha256: string;
  /** Already on disk with the checksum SHA256SUMS records, so not fetched again. */
  kept: boolean;
}

/** A Hub repository id: `name` or `owner/name`, nothing that could climb out of modelsDir. */
const MODEL_ID = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;

export function hubFileUrl(endpoint: string, modelId: string, file: string): string {
  return `${endpoint.replace(/\/+$/, '')}/${modelId}/resolve/main/${file}`;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

async function readSums(file: string): Promise<Map<string, string>> {
  if (!existsSync(file)) return new Map();
  const lines = (await fs.readFile(file, 'utf8')).split('\n').filter(Boolean);
  return new Map(
    lines
      .map((line) => line.match(/^([0-9a-f]{64}) [ *](.+)$/))
      .filter((m) => m !== null)
      .map((m) => [m[2], m[1]]),
  );
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.partial`;
  await fs.writeFile(temp, text);
  await fs.rename(temp, file);
}

/** The low-level reason behind a failed fetch (undici wraps it as `fetch failed`). */
function cause(err: unknown): string {
  const inner = (err as { cause?: { code?: string; message?: string } }).cause;
  return inner?.code ?? inner?.message ?? (err as Error).message;
}

async function fetchFile(url: string, dest: string, onProgress: (received: number, total: number | undefined) => void) {
  let response: Response;
  try {
    // identity: Content-Length must count the bytes we write, not a compressed body.
    response = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
  } catch (err) {
    throw new Error(
      `Cannot reach ${new URL(url).origin} (${cause(err)}). Check the network, set HF_ENDPOINT to a Hub mirror you can reach ` +
        '(for example https://hf-mirror.com), or download on another machine and copy its models/ folder here.',
    );
  }
  if (!response.ok || !response.body) {
    const hint =
      response.status === 404
        ? ': no such model or file there'
        : response.status === 401 || response.status === 403
          ? ': access refused'
          : '';
    throw new Error(`${url} answered HTTP ${response.status} ${response.statusText}${hint}`);
  }
  const header = response.headers.get('content-length');
  const total = header === null ? undefined : Number(header);
  const hash = createHash('sha256');
  let received = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      received += chunk.length;
      onProgress(received, total);
      done(null, chunk);
    },
  });
  const temp = `${dest}.${process.pid}.partial`;
  await fs.mkdir(path.dirname(dest), { recursive: true });
  try {
    await pipeline(Readable.fromWeb(response.body as ReadableStream<Uint8Array>), count, createWriteStream(temp));
    if (total !== undefined && received !== total)
      throw new Error(`got ${received} bytes, Content-Length said ${total}`);
    await fs.rename(temp, dest);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw new Error(
      `Download of ${url} broke off after ${received} bytes (${cause(err)}); nothing was kept. Run the command again.`,
    );
  }
  return { bytes: received, sha256: hash.digest('hex') };
}

/** Download the files the embedder needs for `dtype`, skipping those already present with a matching checksum. */
export async function downloadModel(options: DownloadOptions): Promise<DownloadedFile[]> {
  const { endpoint, modelId, modelsDir, dtype } = options;
  if (!MODEL_ID.test(modelId) || modelId.includes('..')) {
    throw new Error(`"${modelId}" is not a Hub model id: use owner/name, e.g. Xenova/multilingual-e5-small`);
  }
  const dir = path.join(modelsDir, modelId);
  const sumsFile = path.join(dir, SUMS_FILE);
  const sums = await readSums(sumsFile);
  const done: DownloadedFile[] = [];
  for (const file of modelFiles(dtype)) {
    const dest = path.join(dir, file);
    const recorded = sums.get(file);
    if (recorded && existsSync(dest) && (await sha256Of(dest)) === recorded) {
      done.push({ file, bytes: (await fs.stat(dest)).size, sha256: recorded, kept: true });
      continue;
    }
    const fetched = await fetchFile(hubFileUrl(endpoint, modelId, file), dest, (received, total) =>
      options.onProgress?.(file, received, total),
    );
    sums.set(file, fetched.sha256);
    // Written after every file, so a later failure still leaves a true record of what is on disk.
    const lines = [...sums].sort(([a], [b]) => a.localeCompare(b)).map(([name, sha]) => `${sha}  ${name}\n`);
    await writeAtomically(sumsFile, lines.join(''));
    done.push({ file, ...fetched, kept: false });
  }
  const provenance: Provenance = {
    model: modelId,
    label: `${modelId} (${dtype}) from ${endpoint}`,
    weights: dtype === 'q8' ? 'int8 ONNX export as published' : 'float32 ONNX export as published',
    sources: done.map((d) => ({ file: d.file, url: hubFileUrl(endpoint, modelId, d.file), sha256: d.sha256 })),
    writtenAt: new Date().toISOString(),
  };
  await writeAtomically(path.join(dir, PROVENANCE_FILE), `${JSON.stringify(provenance, null, 2)}\n`);
  return done;
}
