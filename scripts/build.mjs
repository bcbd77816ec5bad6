/**
 * npm run build (run by npm start): the server as plain JavaScript in dist/, so a start does
 * not transpile ~100 TypeScript modules through tsx's loader (about a second of CPU and a
 * loader thread's memory). esbuild is the compiler tsx itself uses, so dist/ and `tsx` run the
 * same code; a build takes about 0.1 s, so it runs before every start and dist/ is never stale.
 * The CLIs and tests still run the TypeScript through tsx.
 */
import { cpSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist', { recursive: true, force: true });
await build({
  // Flat names: the server forks the ingest child, next to itself, for uploads (src/server/build.ts).
  entryPoints: { main: 'src/server/main.ts', 'ingest-child': 'src/server/ingest-child.ts' },
  bundle: true,
  // Packages stay in node_modules; splitting keeps dynamic import() lazy (PDF, DOCX, the transformer).
  packages: 'external',
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: 'dist',
  logLevel: 'warning',
});
// Read at run time next to the module that uses them (new URL('./models/…', import.meta.url)).
cpSync('src/answer/models', 'dist/models', { recursive: true });
