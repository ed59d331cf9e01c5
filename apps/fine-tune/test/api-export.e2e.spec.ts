import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/lib/cli';
import { BUCKET_TOLERANCE } from '../src/lib/decision';
import { fetchApiHistory } from '../src/lib/history/api-export';
import { FLEET, hostAt } from './node-exporter-history';

/**
 * `--from <api URL>` against the real api: the built daemon (dist/apps/api/main.js) in a child process
 * with an API key and a folder of versions holding 3.0.0, fed four days of a small fleet through
 * POST /feed/data; its archive is the history, and a version the run writes there is loaded by the
 * running api without a restart.
 */

const ROOT = resolve(__dirname, '../../..');
const MAIN = join(ROOT, 'dist', 'apps', 'api', 'main.js');
const KEY = 'fine-tune-key-0001';
const STEP = 300;
const DAYS = 4;
/** Pinned, and behind the api's wall clock whatever the day the test runs. */
const END = Date.UTC(2026, 10, 27, 18) / 1000;
const START = END - DAYS * 86_400;
const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

let dir: string;
let models: string;
let api: ChildProcess | undefined;
let base = '';
let log = '';

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
    srv.on('error', rej);
  });
}

/** One sample per step at the step's start for every host: what the archive then holds step by step. */
function records(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let t = START; t < END; t += STEP) {
    FLEET.forEach((h, i) => {
      const s = hostAt(h, i, t);
      out.push({
        timestamp: iso(t),
        server_name: h.name,
        cpu_percent: Math.round((1000 * 100 * s.busy.reduce((a, b) => a + b, 0)) / h.cores) / 1000,
        memory_percent: Math.round(s.memory * 1000) / 1000,
        disk_percent: Math.round(s.disk * 1000) / 1000,
        load_average: Math.round(s.load * 1000) / 1000,
      });
    });
  }
  return out;
}

async function exportedRows(): Promise<number> {
  const res = await fetch(`${base}/export`, { headers: { 'x-api-key': KEY } });
  return (await res.text()).trim().split('\n').length - 1;
}

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: npx nx build api (the test target depends on it)`);
  dir = mkdtempSync(join(tmpdir(), 'fine-tune-api-'));
  models = join(dir, 'models');
  mkdirSync(models);
  cpSync(join(ROOT, 'models', 'tft', '3.0.0'), join(models, '3.0.0'), { recursive: true });
  const port = await freePort();
  api = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      ...process.env,
      API_PORT: String(port),
      API_KEY: KEY,
      API_KEYS: '',
      DATA_DIR: join(dir, 'data'),
      MODEL_DIR: models,
      MODEL_WATCH_INTERVAL: '0', // the reload below is the request's doing, not the watch's
      FORECAST_INTERVAL_S: '3600',
      INFERENCE_DEVICE: 'cpu',
      WRITE_RATE_LIMIT: '0',
      LOG_FORMAT: 'text',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const s of [api.stdout, api.stderr]) s?.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-20_000)));
  base = `http://127.0.0.1:${port}`;
  for (const until = Date.now() + 60_000; ; ) {
    if (
      await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (api.exitCode !== null || Date.now() > until) throw new Error(`the api did not start:\n${log.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const all = records();
  // a day of steps a request: the api archives a step as it leaves the open window, and one request
  // carrying more steps than its window holds would archive only the window's last ones
  const perRequest = 288 * FLEET.length;
  for (let i = 0; i < all.length; i += perRequest) {
    const res = await fetch(`${base}/feed/data`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': KEY },
      body: JSON.stringify({ records: all.slice(i, i + perRequest) }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
  }
  // every step but each host's newest (still open) is archived
  const want = all.length - FLEET.length;
  for (const until = Date.now() + 30_000; (await exportedRows()) < want; ) {
    if (Date.now() > until) throw new Error(`the archive holds ${await exportedRows()} of ${want} rows`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 120_000);

afterAll(async () => {
  if (api && api.exitCode === null) {
    const exited = new Promise((r) => api?.once('exit', r));
    process.kill(api.pid as number, 'SIGTERM'); // by its PID
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('--from <api URL>: the api archive as the fleet history', () => {
  it('reads GET /export gzip-compressed with the key, and names a missing or refused key', async () => {
    const file = join(dir, 'export.csv');
    const h = await fetchApiHistory({ url: base, key: KEY }, file);
    expect(h).toMatchObject({
      rows: FLEET.length * (DAYS * 288 - 1),
      servers: FLEET.length,
      first: START,
      last: END - 2 * STEP,
      gzip: true,
    });
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe(
      'timestamp,server_name,cpu_percent,memory_percent,disk_percent,load_average,profile',
    );
    await expect(fetchApiHistory({ url: base }, file)).rejects.toThrow(
      `the api at ${base} answered 401 to GET ${base}/export: the export needs a key; set TFT_API_KEY (sent as X-API-Key)`,
    );
    await expect(fetchApiHistory({ url: base, key: 'wrong-key-00000001' }, file)).rejects.toThrow(
      'the key from TFT_API_KEY (or API_KEY) was refused',
    );
    await expect(fetchApiHistory({ url: base, key: KEY, since: END + 86_400 }, file)).rejects.toThrow(
      `the api at ${base} exported no rows for GET ${base}/export?since=${encodeURIComponent(iso(END + 86_400))}`,
    );
  });

  it('fine-tunes the served model on it with a budget of seconds; a version it writes is loaded by the running api without a restart', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const work = join(dir, 'work');
    const result = await runCli(
      [
        '--fine-tune',
        '--from',
        base,
        '--base',
        join(models, '3.0.0'),
        '--out',
        join(models, '3.0.1'),
        '--budget',
        '4s',
        '--stride',
        '24',
        '--work',
        work,
      ],
      { out: (l) => out.push(l), err: (l) => err.push(l) },
      { env: { TFT_API_KEY: KEY } },
    );
    expect(err.join('\n')).toContain(`fine-tune: reading GET /export from ${base}`);
    expect(err.join('\n')).toMatch(/history 2026-11-23T18:00:00Z \.\. 2026-11-27T17:50:00Z: 3453 rows, 3 servers/);
    const overall = (role: string) =>
      (
        JSON.parse(readFileSync(join(work, `backtest-${role}.json`), 'utf8')) as {
          results: { model: string; metric: string; horizon_bucket: string; wql: number }[];
        }
      ).results.filter((r) => r.model === 'tft' && r.metric === 'overall');
    const [champion, challenger] = [overall('champion'), overall('challenger')];
    const change = (b: string) => {
      const [a, c] = [champion, challenger].map((rs) => rs.find((r) => r.horizon_bucket === b)?.wql as number);
      return (c - a) / a;
    };
    const wins = change('all') < 0 && ['0-30m', '30m-2h', '2h-8h'].every((b) => change(b) <= BUCKET_TOLERANCE);
    expect(result?.decision.write).toBe(wins);
    expect(existsSync(join(models, '3.0.1'))).toBe(wins);
    if (!wins) {
      expect(out.join('\n')).toContain('Not written:');
      return;
    }
    expect(out.join('\n')).toContain(`A running api whose MODEL_DIR is ${models} picks it up without a restart`);
    const reload = await fetch(`${base}/model/reload`, { method: 'POST', headers: { 'x-api-key': KEY } });
    expect(reload.status, await reload.clone().text()).toBe(200);
    expect(await reload.json()).toMatchObject({ version: '3.0.1', previous_version: '3.0.0' });
    const health = (await (await fetch(`${base}/health`)).json()) as { details: { model_version: string } };
    expect(health.details.model_version).toBe('3.0.1');
  });
});
