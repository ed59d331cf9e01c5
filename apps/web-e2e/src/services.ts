// Starts and stops the real daemons for the browser tests: the built api, the generator and the
// console server, each on a free port, with logs under dist/e2e-results/logs; feeds the api records.
import type { FeedDataResponseDto, FeedRecordDto } from '@tft/api-client';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const root = join(__dirname, '..', '..', '..');
export const logDir = join(root, 'dist', 'e2e-results', 'logs');
export const screenshotDir = join(root, 'dist', 'e2e-screenshots');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function startService(name: string, args: string[], env: Record<string, string>): ChildProcess {
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(join(logDir, `${name}.log`));
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

export async function stopService(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Polls `check` until it returns true, or throws after `timeoutMs` naming `what`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return (await res.json()) as T;
}

/**
 * Where the demo's simulated time starts in every e2e run (`--start`): the generator's state at each
 * data time, natural incidents included, is then the same whatever hour of the day the suite runs.
 */
export const DEMO_START = '2026-01-05T06:00:00Z';

/** MODEL_DIR if set; otherwise the api picks the newest version under models/tft itself. */
export function modelDir(): string | undefined {
  return process.env['MODEL_DIR'] || undefined;
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'tft-e2e-'));
}

export function requireBuilt(): void {
  for (const file of [
    join(root, 'dist', 'apps', 'api', 'main.js'),
    join(root, 'dist', 'apps', 'generator', 'main.js'),
    join(root, 'dist', 'apps', 'web-server', 'main.js'),
    join(root, 'dist', 'apps', 'web', 'browser', 'index.html'),
  ]) {
    if (!existsSync(file)) {
      throw new Error(`${file} is missing: run \`npx nx e2e web-e2e\` (it builds api, generator, web and web-server first)`);
    }
  }
}

/** The api's default MAX_RECORDS_PER_REQUEST: the most records one POST /feed/data takes. */
export const MAX_RECORDS_PER_REQUEST = 20_000;

/** POSTs records to the api's /feed/data in as few requests as it takes; throws on any refusal. */
export async function feedRecords(apiUrl: string, records: readonly FeedRecordDto[]): Promise<void> {
  for (let i = 0; i < records.length; i += MAX_RECORDS_PER_REQUEST) {
    const res = await fetch(`${apiUrl}/feed/data`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ records: records.slice(i, i + MAX_RECORDS_PER_REQUEST) }),
    });
    const body = (await res.json()) as FeedDataResponseDto;
    if (!res.ok || body.rejected.length > 0) {
      throw new Error(`POST /feed/data: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    }
  }
}
