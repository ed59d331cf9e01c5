import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedDataResponseDto, ServerDetailDto, StatusDto } from '@tft/api-client';
import { freePort, spawnApi, waitFor, type Started } from './api-process';
import { END, history } from './test-app';

/**
 * A forwarder that puts a pod or request id into the host name: one keyed writer sends 200,000
 * distinct server names, 2,000 per request, one sample each, to the built api with its default limits.
 * The bound is the one docs/OPERATIONS.md documents for the default MAX_SERVERS (memory sizing).
 */
const FLOOD_NAMES = 200_000;
const PER_REQUEST = 2_000;
const RSS_BOUND_MB = 1_500;
/** The keyed writer of the measurement, then twenty of them (a fleet of forwarders) to reach MAX_SERVERS. */
const KEYS = Array.from({ length: 20 }, (_, i) => `flood-test-key-${i}`);
const FLEET = Array.from({ length: 20 }, (_, i) => `db-${String(i).padStart(2, '0')}`);

/** Resident memory of a process from /proc, MB. */
const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

describe('a 200,000-name flood with the default limits', () => {
  let api: Started;
  let dataDir: string;
  /** Epoch s of a server's forecast origin; undefined before its first forecast. */
  const forecastOrigin = async (server: string): Promise<number | undefined> => {
    const d = (await (await fetch(`${api.base}/servers/${server}`)).json()) as ServerDetailDto;
    return d.forecast ? Date.parse(d.forecast.forecast_origin) / 1000 : undefined;
  };
  const post = async (records: unknown[], key = KEYS[0]) =>
    (await fetch(`${api.base}/feed/data`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ records }),
    }).then((r) => r.json())) as FeedDataResponseDto;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tft-flood-'));
    const port = await freePort();
    const spawned = spawnApi(port, dataDir, { API_KEYS: KEYS.join(','), API_HOST: '127.0.0.1', SQLITE_SYNCHRONOUS: 'NORMAL' });
    api = { ...spawned, base: `http://127.0.0.1:${port}` };
    await waitFor(async () => ((await fetch(`${api.base}/health`)).ok ? true : undefined), 30_000);
    // the operator's fleet: two hours of history each, forecast before the flood starts
    for (const name of FLEET) expect((await post(history(name, 24, (i) => 40 + (i % 5)))).records_added).toBe(24);
    await waitFor(async () => forecastOrigin(FLEET[0]), 30_000);
  }, 60_000);

  afterAll(async () => {
    api?.child.kill('SIGKILL');
    await api?.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Sends FLOOD_NAMES new names `prefix-000000`..., PER_REQUEST a request, the writers in turn; returns what was admitted and refused. */
  async function flood(prefix: string, writers: readonly string[]) {
    let admitted = 0;
    const refusals = new Map<string, number>();
    for (let sent = 0; sent < FLOOD_NAMES; sent += PER_REQUEST) {
      const records = Array.from({ length: PER_REQUEST }, (_, i) => ({
        timestamp: new Date(END * 1000).toISOString(),
        server_name: `${prefix}-${String(sent + i).padStart(6, '0')}`,
        cpu_percent: 10,
        memory_percent: 20,
        disk_percent: 30,
        load_average: 0.5,
      }));
      const body = await post(records, writers[(sent / PER_REQUEST) % writers.length]);
      admitted += body.records_added ?? 0;
      for (const r of body.rejected ?? []) {
        expect(r.field).toBe('server_name');
        const setting = /MAX_[A-Z_]+=\d+/.exec(r.reason)?.[0] ?? r.reason;
        refusals.set(setting, (refusals.get(setting) ?? 0) + 1);
      }
      peak = Math.max(peak, rssMb(api.child.pid!));
    }
    expect(admitted + [...refusals.values()].reduce((a, b) => a + b, 0)).toBe(FLOOD_NAMES);
    return { admitted, refusals: Object.fromEntries(refusals) };
  }

  /** The fleet it held is still stored and forecast: a new step for each, and a later forecast origin. */
  async function fleetStillForecast(at: number) {
    const before = (await forecastOrigin(FLEET[0]))!;
    for (const name of FLEET) {
      const next = history(name, 1, () => 55).map((r) => ({ ...r, timestamp: new Date(at * 1000).toISOString() }));
      expect((await post(next)).records_added).toBe(1);
    }
    await waitFor(async () => ((await forecastOrigin(FLEET[0]))! > before ? true : undefined), 240_000);
    expect((await fetch(`${api.base}/health`)).status).toBe(200);
    peak = Math.max(peak, rssMb(api.child.pid!));
  }

  let peak = 0;

  it('one writer: its new servers are held to MAX_NEW_SERVERS_PER_MINUTE, each refusal named', async () => {
    const { admitted, refusals } = await flood('pod', KEYS.slice(0, 1));
    // the writer's budget, refilled for as long as the flood takes; MAX_SERVERS too on a machine that needs minutes for it
    expect(refusals['MAX_NEW_SERVERS_PER_MINUTE=10000']).toBeGreaterThan(0);
    expect(Object.keys(refusals).filter((k) => k !== 'MAX_NEW_SERVERS_PER_MINUTE=10000' && k !== 'MAX_SERVERS=20000')).toEqual([]);
    expect(admitted).toBeGreaterThanOrEqual(10_000);
    expect(admitted).toBeLessThanOrEqual(20_000 - FLEET.length);
    await fleetStillForecast(END + 300);
    console.log(`flood, one writer: ${admitted} of ${FLOOD_NAMES} names admitted, refusals ${JSON.stringify(refusals)}`);
  }, 600_000);

  it('twenty writers: MAX_SERVERS holds, memory stays under the documented bound, the fleet is still forecast', async () => {
    const { admitted, refusals } = await flood('req', KEYS);
    expect(Object.keys(refusals)).toContain('MAX_SERVERS=20000');
    const status = (await (await fetch(`${api.base}/status`)).json()) as StatusDto;
    expect(status.limits).toEqual({ servers: 20_000, max_servers: 20_000, max_new_servers_per_minute: 10_000 });
    await fleetStillForecast(END + 600);
    console.log(
      `flood, twenty writers: ${admitted} more names admitted, refusals ${JSON.stringify(refusals)}; api RSS peak over both floods ${Math.round(peak)} MB`,
    );
    expect(peak).toBeLessThan(RSS_BOUND_MB);
  }, 600_000);
});
