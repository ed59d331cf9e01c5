import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Debian's python with python3-torch; the first python3 on PATH may lack torch. */
export const PYTHON = '/usr/bin/python3';

/** The repository root (it holds training/train.py), from the working directory or this file upwards. */
export function repoRoot(): string {
  for (const start of [process.cwd(), __dirname]) {
    let dir = resolve(start);
    for (;;) {
      if (existsSync(join(dir, 'training', 'train.py')) && existsSync(join(dir, 'models', 'tft'))) return dir;
      const parent = resolve(dir, '..');
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new Error('the repository (training/train.py, models/tft) was not found: run from inside it');
}

export class StepError extends Error {}

/**
 * Runs a program to its end, each line of its output handed to `line` as it comes; the last lines are
 * kept for the error when it fails.
 */
export function runStep(
  what: string,
  command: string,
  args: readonly string[],
  cwd: string,
  line: (l: string) => void = () => undefined,
): Promise<string[]> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
    const all: string[] = [];
    const tail: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const lines = (pending + chunk).split('\n');
        pending = lines.pop() ?? '';
        for (const l of lines) {
          all.push(l);
          tail.push(l);
          if (tail.length > 30) tail.shift();
          line(l);
        }
      });
    }
    child.once('error', (err) => reject(new StepError(`${what}: ${command} did not start (${err.message})`)));
    child.once('close', (code, signal) => {
      if (code === 0) resolvePromise(all);
      else reject(new StepError(`${what} failed (${code ?? signal}); its last output:\n${tail.join('\n')}`));
    });
  });
}
