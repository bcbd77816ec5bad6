/** Run a TypeScript script in a child Node process and collect its standard output. */
import { spawn } from 'node:child_process';
import { ROOT } from '../helpers.js';

export function runScript(script: string, env: Record<string, string | undefined>): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d));
    c.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${script} exited ${code}`))));
  });
}
