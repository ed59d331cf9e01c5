import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

/** The built api, run as the tests that kill or restart it need it: a child process of its own. */
export const MAIN = resolve(__dirname, '../../../dist/apps/api/main.js');

export function freePort(): Promise<number> {
  return new Promise((res) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch {
      /* not up yet */
    }
    if (Date.now() > until) throw new Error('timed out waiting for the api');
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface Started {
  base: string;
  child: ChildProcess;
  /** stdout and stderr so far */
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnApi(port: number, dataDir: string, extraEnv: Record<string, string> = {}): Omit<Started, 'base'> {
  const env: NodeJS.ProcessEnv = { ...process.env, API_KEY: '', API_KEYS: '' }; // no key unless the test sets one
  Object.assign(
    env,
    {
      API_PORT: String(port),
      DATA_DIR: dataDir,
      FORECAST_INTERVAL_S: '1',
      INFERENCE_DEVICE: 'cpu',
      LOG_FORMAT: 'text',
    },
    extraEnv,
  );
  const child = spawn(process.execPath, [MAIN], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>((res) => child.once('exit', (code, signal) => res({ code, signal })));
  return { child, output: () => out, exited };
}

/** Samples stored for a server: its closed steps plus the open one. */
export async function storedSamples(base: string, server: string): Promise<number> {
  const res = await fetch(`${base}/servers/${server}`);
  if (res.status === 404) return 0;
  const d = (await res.json()) as {
    history: { samples: number }[];
    open_step: { samples: number } | null;
  };
  return d.history.reduce((a, h) => a + h.samples, 0) + (d.open_step?.samples ?? 0);
}
