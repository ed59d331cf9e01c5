import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { history } from './test-app';

const MAIN = resolve(__dirname, '../../../dist/apps/api/main.js');

function freePort(): Promise<number> {
  return new Promise((res) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
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

describe('durability across kill -9 (built api in a child process)', () => {
  const children: ChildProcess[] = [];
  afterEach(() => children.forEach((c) => c.kill('SIGKILL')));

  async function start(port: number, dataDir: string): Promise<string> {
    const env = { ...process.env, API_PORT: String(port), DATA_DIR: dataDir, FORECAST_INTERVAL_S: '1', INFERENCE_DEVICE: 'cpu' };
    const child = spawn(process.execPath, [MAIN], { env, stdio: 'ignore' });
    children.push(child);
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => ((await fetch(`${base}/health`)).ok ? true : undefined), 30_000);
    return base;
  }

  it('keeps every acknowledged record and the warm state, and forecasts with the TFT without new data', async () => {
    expect(existsSync(MAIN), `build the api first (${MAIN})`).toBe(true);
    const dataDir = mkdtempSync(join(tmpdir(), 'tft-restart-'));
    const port = await freePort();
    let base = await start(port, dataDir);
    const records = [...history('ppweb0001', 36 * 12, (i) => 40 + (i % 10), 'web_api'), ...history('ppdb0002', 36 * 12, () => 30, 'database')];
    const res = await fetch(`${base}/feed/data`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ records }) });
    expect(res.status).toBe(200);
    expect((await res.json()).records_added).toBe(records.length);
    children[0].kill('SIGKILL');
    await new Promise((r) => children[0].once('exit', r));

    base = await start(port, dataDir);
    const predictions = await waitFor(async () => {
      const body = await (await fetch(`${base}/predictions/current`)).json();
      return Object.keys(body.predictions).length === 2 ? body : undefined;
    }, 20_000);
    expect(predictions.predictions['ppweb0001'].model).toBe('TFT');
    expect(predictions.predictions['ppdb0002'].model).toBe('TFT');
    const detail = await (await fetch(`${base}/servers/ppweb0001`)).json();
    const samples = detail.history.reduce((a: number, h: { samples: number }) => a + h.samples, 0) + detail.open_step.samples;
    expect(samples).toBe(288); // the window keeps 288 steps of the 432 posted, each with its one sample
    const status = await (await fetch(`${base}/status`)).json();
    expect(status.fleet.fleet_status).toBe('2/2 servers ready');
  }, 90_000);
});
