import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { env } from '@huggingface/transformers';
import { loadConfig } from '../src/config.js';
import { downloadModel, SUMS_FILE } from '../src/index/embedders/download.js';
import { modelFiles } from '../src/index/embedders/model-files.js';
import { TransformerEmbeddings } from '../src/index/embedders/transformer.js';
import { FIXTURES, ROOT, tempDir } from './helpers.js';

const FIXTURE = path.join(FIXTURES, 'models', 'tiny-random-bert-zh');
const MODEL_ID = 'test-org/tiny-random-bert-zh';
/** A repository whose model file the server cuts off halfway. */
const BROKEN_ID = 'test-org/broken';
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Serves the fixture model in the Hub's URL layout, `/{id}/resolve/main/{file}`, and records each request. */
function hubServer(requests: string[]): Server {
  return createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '');
    requests.push(url);
    const match = url.match(/^\/([\w.-]+\/[\w.-]+)\/resolve\/main\/(.+)$/);
    const file = match && path.join(FIXTURE, match[2]);
    if (
      !match ||
      ![MODEL_ID, BROKEN_ID].includes(match[1]) ||
      !file!.startsWith(FIXTURE + path.sep) ||
      !existsSync(file!)
    ) {
      res.writeHead(404).end('Entry not found');
      return;
    }
    const body = readFileSync(file!);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    if (match[1] === BROKEN_ID && match[2].endsWith('.onnx')) {
      res.write(body.subarray(0, body.length >> 1), () => res.socket?.destroy());
      return;
    }
    res.end(body);
  });
}

async function closedPortUrl(): Promise<string> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

describe('model download from a Hub-layout server', () => {
  const requests: string[] = [];
  const server = hubServer(requests);
  let endpoint = '';
  before(async () => {
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('writes the files into models/<id>/ with their sha256 in SHA256SUMS, and the embedder loads them offline', async () => {
    const modelsDir = tempDir();
    const files = await downloadModel({ endpoint, modelId: MODEL_ID, modelsDir, dtype: 'q8' });
    const dir = path.join(modelsDir, MODEL_ID);
    assert.deepEqual(
      files.map((f) => f.file),
      modelFiles('q8'),
    );
    for (const f of files) {
      assert.deepEqual(readFileSync(path.join(dir, f.file)), readFileSync(path.join(FIXTURE, f.file)), f.file);
      assert.equal(f.sha256, sha256(path.join(FIXTURE, f.file)));
      assert.equal(f.bytes, statSync(path.join(FIXTURE, f.file)).size);
    }
    const sums = readFileSync(path.join(dir, SUMS_FILE), 'utf8');
    assert.equal(
      sums,
      [...files]
        .sort((a, b) => a.file.localeCompare(b.file))
        .map((f) => `${f.sha256}  ${f.file}\n`)
        .join(''),
    );
    const embedder = await TransformerEmbeddings.load({ modelId: MODEL_ID, modelsDir, offline: true });
    assert.equal((await embedder.embedQuery('新型工业化')).length, 64);
    // The label says where the files came from.
    assert.equal(embedder.info.source, `${MODEL_ID} (q8) from ${endpoint}`);
  });

  it('does not fetch again a file whose checksum matches SHA256SUMS', async () => {
    const modelsDir = tempDir();
    await downloadModel({ endpoint, modelId: MODEL_ID, modelsDir, dtype: 'q8' });
    const before = requests.length;
    const again = await downloadModel({ endpoint, modelId: MODEL_ID, modelsDir, dtype: 'q8' });
    assert.equal(requests.length, before);
    assert.ok(again.every((f) => f.kept));
  });

  it('reports progress up to each file size', async () => {
    const seen = new Map<string, [number, number | undefined]>();
    await downloadModel({
      endpoint,
      modelId: MODEL_ID,
      modelsDir: tempDir(),
      dtype: 'q8',
      onProgress: (file, got, total) => seen.set(file, [got, total]),
    });
    for (const file of modelFiles('q8')) {
      const size = statSync(path.join(FIXTURE, file)).size;
      assert.deepEqual(seen.get(file), [size, size], file);
    }
  });

  it('leaves no file behind when a download is cut short, and names the URL', async () => {
    const modelsDir = tempDir();
    await assert.rejects(
      downloadModel({ endpoint, modelId: BROKEN_ID, modelsDir, dtype: 'q8' }),
      /test-org\/broken\/resolve\/main\/onnx\/model_quantized\.onnx broke off after \d+ bytes/,
    );
    assert.deepEqual(readdirSync(path.join(modelsDir, BROKEN_ID, 'onnx')), []);
    assert.doesNotMatch(readFileSync(path.join(modelsDir, BROKEN_ID, SUMS_FILE), 'utf8'), /onnx/);
  });

  it('names the URL that answered 404', async () => {
    await assert.rejects(
      downloadModel({ endpoint, modelId: 'test-org/no-such-model', modelsDir: tempDir(), dtype: 'q8' }),
      /test-org\/no-such-model\/resolve\/main\/config\.json answered HTTP 404.*no such model/,
    );
  });

  it('says how to get the model when the endpoint cannot be reached', async () => {
    const modelsDir = tempDir();
    await assert.rejects(
      downloadModel({ endpoint: await closedPortUrl(), modelId: MODEL_ID, modelsDir, dtype: 'q8' }),
      /Cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\).*HF_ENDPOINT.*copy its models\/ folder/,
    );
    assert.deepEqual(readdirSync(modelsDir), []);
  });

  it('refuses a model id that would write outside the models folder', async () => {
    await assert.rejects(
      downloadModel({ endpoint, modelId: '../escape', modelsDir: tempDir(), dtype: 'q8' }),
      /not a Hub model id/,
    );
  });

  it('npm run models -- download fetches from HF_ENDPOINT into MODELS_DIR and prints the checksums', async () => {
    const modelsDir = tempDir();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'src/cli/models.ts', 'download', MODEL_ID],
      {
        cwd: ROOT,
        env: { ...process.env, HF_ENDPOINT: endpoint, MODELS_DIR: modelsDir },
      },
    );
    const onnx = path.join(modelsDir, MODEL_ID, 'onnx', 'model_quantized.onnx');
    assert.match(stdout, new RegExp(`^${sha256(onnx)}  onnx/model_quantized\\.onnx  1\\.6 MB$`, 'm'));
  });

  it('transformers.js fetches a model that is not local from HF_ENDPOINT', async () => {
    const cacheDir = env.cacheDir;
    env.cacheDir = tempDir(); // transformers.js caches what it downloads; keep that out of node_modules.
    try {
      const embedder = await TransformerEmbeddings.load({
        modelId: MODEL_ID,
        modelsDir: tempDir(),
        offline: false,
        endpoint,
      });
      assert.equal(embedder.info.dims, 64);
      assert.ok(requests.includes(`/${MODEL_ID}/resolve/main/onnx/model_quantized.onnx`));
    } finally {
      env.cacheDir = cacheDir;
    }
  });
});

describe('HF_ENDPOINT setting', () => {
  it('defaults to the Hugging Face Hub and drops a trailing slash', () => {
    assert.equal(loadConfig({}, {}).hubEndpoint, 'https://huggingface.co');
    assert.equal(loadConfig({ HF_ENDPOINT: 'https://hf-mirror.com/' }, {}).hubEndpoint, 'https://hf-mirror.com');
  });

  it('must be an http(s) URL', () => {
    assert.throws(() => loadConfig({ HF_ENDPOINT: 'hf-mirror.com' }, {}), /HF_ENDPOINT must be an http\(s\) URL/);
  });
});
