import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, MAIN, spawnApi, storedSamples, waitFor, type Started } from './api-process';
import { END, history, type RecordShape } from './test-app';

/** `n` one-second samples of a server starting `offset` seconds into its sequence. */
function secondly(server: string, offset: number, n: number): RecordShape[] {
  const t0 = END - 80_000;
  return Array.from({ length: n }, (_, k) => ({
    timestamp: new Date((t0 + offset + k) * 1000).toISOString(),
    server_name: server,
    cpu_percent: 20 + ((offset + k) % 50),
    memory_percent: 60,
    disk_percent: 40,
    load_average: 1,
  }));
}

describe('durability across kill -9 (built api in a child process)', () => {
  const children: ChildProcess[] = [];
  afterEach(() => children.forEach((c) => c.kill('SIGKILL')));

  async function startApi(port: number, dataDir: string, extraEnv: Record<string, string> = {}): Promise<Started> {
    const spawned = spawnApi(port, dataDir, extraEnv);
    children.push(spawned.child);
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => ((await fetch(`${base}/health`)).ok ? true : undefined), 30_000);
    return { ...spawned, base };
  }
  const start = async (port: number, dataDir: string): Promise<string> => (await startApi(port, dataDir)).base;

  it('keeps every acknowledged record and the warm state, and forecasts with the TFT without new data', async () => {
    expect(existsSync(MAIN), `build the api first (${MAIN})`).toBe(true);
    const dataDir = mkdtempSync(join(tmpdir(), 'tft-restart-'));
    const port = await freePort();
    let base = await start(port, dataDir);
    const records = [
      ...history('ppweb0001', 36 * 12, (i) => 40 + (i % 10), 'web_api'),
      ...history('ppdb0002', 36 * 12, () => 30, 'database'),
    ];
    const res = await fetch(`${base}/feed/data`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ records }),
    });
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
    // the window keeps 288 steps (24 h) of the 432 posted, or the model's context and the open step if
    // more, each with its one sample
    const model = JSON.parse(readFileSync(join(predictions.metadata.model_dir, 'metadata.json'), 'utf8'));
    expect(samples).toBe(Math.max(288, model.max_encoder_length + 1));
    const status = await (await fetch(`${base}/status`)).json();
    expect(status.fleet.fleet_status).toBe('2/2 servers ready');
  }, 90_000);

  it('keeps every acknowledged record when killed during sustained concurrent ingest', async () => {
    expect(existsSync(MAIN), `build the api first (${MAIN})`).toBe(true);
    const dataDir = mkdtempSync(join(tmpdir(), 'tft-kill-'));
    const port = await freePort();
    const first = await startApi(port, dataDir); // SQLITE_SYNCHRONOUS defaults to FULL
    // no key configured: one loud warning, once
    expect(first.output().match(/NO API KEY CONFIGURED/g)).toHaveLength(1);
    const servers = ['ppetl0101', 'ppetl0102', 'ppetl0103', 'ppetl0104'];
    const BATCH = 250;
    const acked = new Map(servers.map((s) => [s, 0]));
    const attempted = new Map(servers.map((s) => [s, 0]));
    let killed = false;
    // one client per server, all concurrent; each posts consecutive one-second samples until the api dies
    const client = async (server: string) => {
      for (let offset = 0; offset < 60 * BATCH && !killed; offset += BATCH) {
        attempted.set(server, offset + BATCH);
        try {
          const res = await fetch(`${first.base}/feed/data`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ records: secondly(server, offset, BATCH) }),
            signal: AbortSignal.timeout(15_000),
          });
          const body = (await res.json()) as { records_added: number };
          if (res.status !== 200) throw new Error(`status ${res.status}`);
          expect(body.records_added).toBe(BATCH);
          acked.set(server, offset + BATCH);
        } catch {
          return; // the api is gone: this batch was not acknowledged
        }
      }
    };
    const clients = servers.map(client);
    await waitFor(async () => ([...acked.values()].reduce((a, b) => a + b, 0) >= 12 * BATCH ? true : undefined), 30_000);
    first.child.kill('SIGKILL');
    killed = true;
    await first.exited;
    await Promise.all(clients);

    const base = await start(port, dataDir);
    for (const server of servers) {
      const stored = await storedSamples(base, server);
      const ack = acked.get(server) as number;
      expect(ack).toBeGreaterThan(0);
      // Every acknowledged record is there. The batch in flight at the kill is all or nothing:
      // stored when its transaction committed before the kill, even though its answer was lost.
      expect([ack, ack + BATCH], `${server}: stored ${stored}, acknowledged ${ack}, attempted ${attempted.get(server)}`).toContain(stored);
    }
  }, 120_000);

  it('finishes an in-flight POST on SIGTERM, closes the store, exits 0 and keeps the data', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tft-term-'));
    const port = await freePort();
    const key = 'term-test-key-0001';
    const api = await startApi(port, dataDir, { API_KEY: key });
    expect(api.output()).not.toContain('NO API KEY CONFIGURED');
    const N = 15_000;
    const body = JSON.stringify({ records: secondly('ppml0301', 0, N) });
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/feed/data',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'x-api-key': key,
          },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      const half = Math.floor(body.length / 2);
      req.write(body.slice(0, half));
      // the request is on the wire, its body half sent: now stop the api, then send the rest
      setTimeout(() => {
        api.child.kill('SIGTERM');
        setTimeout(async () => {
          // no new connections are accepted any more
          await expect(
            fetch(`${api.base}/health`, {
              signal: AbortSignal.timeout(2000),
            }),
          ).rejects.toThrow();
          req.end(body.slice(half));
        }, 400);
      }, 300);
    });
    const res = await answer;
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    expect(JSON.parse(res.text).records_added).toBe(N);
    expect(await api.exited).toEqual({ code: 0, signal: null });
    expect(api.output()).toContain('SIGTERM: finishing in-flight requests, then closing the store');
    expect(api.output()).toContain('stopped cleanly');

    const again = await startApi(port, dataDir, { API_KEY: key });
    expect(await storedSamples(again.base, 'ppml0301')).toBe(N);
  }, 120_000);

  it('listens on loopback only without a key, and on every interface with one', async () => {
    // a non-loopback address of this machine, to connect through
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    const reachable = (host: string, port: number) =>
      fetch(`http://${host}:${port}/health`, {
        signal: AbortSignal.timeout(3000),
      }).then(
        (r) => r.ok,
        () => false,
      );
    const open = await startApi(await freePort(), mkdtempSync(join(tmpdir(), 'tft-bind-')));
    expect(open.output()).toContain('the inference api listens on 127.0.0.1 only (no API key configured; set API_HOST=0.0.0.0');
    const openPort = Number(new URL(open.base).port);
    expect(await reachable('127.0.0.1', openPort)).toBe(true);
    expect(external, 'this test needs a non-loopback IPv4 address').toBeDefined();
    expect(await reachable(external!, openPort)).toBe(false);

    const keyed = await startApi(await freePort(), mkdtempSync(join(tmpdir(), 'tft-bind-')), { API_KEY: 'bind-test-key-0001' });
    expect(keyed.output()).toContain('the inference api listens on every interface');
    expect(await reachable(external!, Number(new URL(keyed.base).port))).toBe(true);
  });

  it('refuses an unwritable DATA_DIR with one clear line and a non-zero exit', async () => {
    const notADir = join(mkdtempSync(join(tmpdir(), 'tft-ro-')), 'a-file');
    writeFileSync(notADir, 'not a directory');
    for (const dataDir of [notADir, join(notADir, 'below')]) {
      const api = spawnApi(await freePort(), dataDir);
      children.push(api.child);
      const { code } = await api.exited;
      expect(code).toBe(2);
      const lines = api.output().trim().split('\n');
      expect(lines).toEqual([`api: DATA_DIR ${dataDir} is not a writable directory (ENOTDIR)`]);
    }
  }, 60_000);
});
