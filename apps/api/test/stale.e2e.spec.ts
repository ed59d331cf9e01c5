import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WindowService } from '../src/window/window.service';
import { END, startTestApp, type RecordShape, type TestApp } from './test-app';

interface Status {
  clock: { data_time: string | null; lag_seconds: number | null };
  warmup: { progress_percent: number; is_warmed_up: boolean; message: string };
  fleet: {
    total_servers: number;
    healthy_servers: number;
    stale_servers: number;
  };
  servers: {
    server_name: string;
    stale: boolean;
    last_sample_at: string | null;
  }[];
}

const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

/** One record per step for each server from `from` (inclusive) to `to` (exclusive). */
function steps(servers: string[], from: number, to: number, cpu = 40): RecordShape[] {
  const out: RecordShape[] = [];
  for (let t = from; t < to; t += 300) {
    for (const s of servers) {
      out.push({
        timestamp: iso(t),
        server_name: s,
        cpu_percent: cpu,
        memory_percent: 50,
        disk_percent: 30,
        load_average: 1,
      });
    }
  }
  return out;
}

describe('servers that stopped reporting (STALE_AFTER, RETIRE_AFTER)', () => {
  let t: TestApp;
  beforeAll(async () => {
    // retention is 145 steps here, raised to the model's context + 1 if longer (289 steps = 24 h 5 min
    // for a 24-h context), so RETIRE_AFTER=25h is not raised to it
    t = await startTestApp({ STALE_AFTER: '15m', RETIRE_AFTER: '25h', RETENTION_STEPS: '145', ALERT_FOR: '0' });
  });
  afterAll(async () => t.app.close());

  it('marks a silent server stale: out of the fleet counts, warmup, predictions and alerts; back when it reports', async () => {
    const start = END - 6 * 3600;
    // ppweb0001 is about to cross its cpu threshold: it has an alert when it goes silent
    await t.post('/feed/data', {
      records: [...steps(['ppdb0001'], start, END, 40), ...steps(['ppweb0001'], start, END, 97)],
    });
    await t.inference.pass();
    let status = await t.get<Status>('/status');
    expect(status.fleet).toMatchObject({ total_servers: 2, stale_servers: 0 });
    expect(status.clock.data_time).toBe(iso(END - 300));
    expect((await t.get<{ alerts: { server: string }[] }>('/alerts/active')).alerts.some((a) => a.server === 'ppweb0001')).toBe(true);

    // ppdb0001 keeps reporting for 20 more minutes, ppweb0001 is silent
    await t.post('/feed/data', {
      records: steps(['ppdb0001'], END, END + 1200),
    });
    await t.inference.pass();
    status = await t.get<Status>('/status');
    expect(status.fleet).toMatchObject({
      total_servers: 1,
      stale_servers: 1,
      healthy_servers: 1,
    });
    expect(status.warmup.is_warmed_up).toBe(true);
    expect(status.servers.find((s) => s.server_name === 'ppweb0001')).toMatchObject({ stale: true, last_sample_at: iso(END - 300) });
    expect(status.servers.find((s) => s.server_name === 'ppdb0001')).toMatchObject({ stale: false });
    const body = await t.get<{
      predictions: Record<string, unknown>;
      environment: { total_servers: number };
    }>('/predictions/current');
    expect(Object.keys(body.predictions)).toEqual(['ppdb0001']);
    expect(body.environment.total_servers).toBe(1);
    expect((await t.get<{ alerts: { server: string }[] }>('/alerts/active')).alerts.some((a) => a.server === 'ppweb0001')).toBe(false);
    const resolved = await t.get<{ server: string; resolved_at: string }[]>('/alerts/resolved');
    expect(resolved.find((a) => a.server === 'ppweb0001')?.resolved_at).toBe(iso(END + 900));

    // it reports again: it is back, with its history
    await t.post('/feed/data', {
      records: steps(['ppweb0001', 'ppdb0001'], END + 1200, END + 1500, 40),
    });
    await t.inference.pass();
    status = await t.get<Status>('/status');
    expect(status.fleet).toMatchObject({ total_servers: 2, stale_servers: 0 });
    expect(Object.keys((await t.get<{ predictions: object }>('/predictions/current')).predictions).sort()).toEqual([
      'ppdb0001',
      'ppweb0001',
    ]);
  });

  it('retires a server silent for RETIRE_AFTER of data time, with its stored data', async () => {
    await t.post('/feed/data', {
      records: steps(['ppgen0099'], END + 1500, END + 1800),
    });
    const windows = t.app.get(WindowService);
    expect(windows.retireAfterSeconds).toBe(25 * 3600);
    const later = END + 1800 + 25 * 3600 + 600;
    await t.post('/feed/data', {
      records: steps(['ppdb0001'], later, later + 300),
    });
    const retired = windows.retireIdle();
    expect(retired.sort()).toEqual(['ppgen0099', 'ppweb0001']);
    const status = await t.get<Status>('/status');
    expect(status.servers.map((s) => s.server_name)).toEqual(['ppdb0001']);
    expect(windows.get('ppgen0099')).toBeUndefined();
    // a retired name that reports again starts afresh
    await t.post('/feed/data', {
      records: steps(['ppgen0099'], later, later + 300),
    });
    expect(windows.get('ppgen0099')!.window.bucketCount()).toBe(1);
  });
});
