import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS } from '@tft/contracts';
import { buildOpenApiDocument } from '../src/openapi/openapi-document';
import { MODEL_RUNTIME, type ModelProvider, type ModelRuntime } from '../src/model/model-provider';
import { LatestPass } from '../src/snapshot/latest-pass';
import { WindowService } from '../src/window/window.service';
import { daily, END, history, startTestApp, type RecordShape, type TestApp } from './test-app';

interface Prediction {
  model: string;
  forecast_origin: string;
  drivers: { encoder: { name: string; weight: number }[] } | null;
  [metric: string]: unknown;
}
interface Predictions {
  predictions: Record<string, Prediction & Record<string, { p10: number[]; p50: number[]; p90: number[]; current: number }>>;
  alerts: {
    server: string;
    metric: string;
    severity: string;
    minutes_ahead: number;
    predicted_value: number;
    threshold: number;
  }[];
  environment: Record<string, number | string>;
  metadata: Record<string, unknown>;
}

describe('inference api over HTTP (real model, real SQLite)', () => {
  let t: TestApp;
  let tftCalls = 0;

  beforeAll(async () => {
    // each test posts its servers' histories ending near END, not as a fleet reporting together: a server
    // 20 minutes behind the newest sample would be stale at the default STALE_AFTER
    t = await startTestApp({ STALE_AFTER: '1d', RETIRE_AFTER: '2d' });
    // Count calls into the model to prove reads are served from the cache.
    const tft = t.app.get<ModelRuntime>(MODEL_RUNTIME).tft as ModelProvider;
    const forecast = tft.forecast.bind(tft);
    tft.forecast = (requests) => {
      tftCalls++;
      return forecast(requests);
    };
  }, 60_000);

  afterAll(() => t.app.close());

  it('forecasts warm servers with the TFT and new ones with the heuristic', async () => {
    const records: RecordShape[] = [
      ...history('ppweb0001', 36 * 12, (i) => daily(i), 'web_api'),
      ...history('ppdb0001', 36 * 12, (i) => daily(i, 30), 'database'),
      ...history('edge-host-7', 36 * 12, (i) => daily(i, 50)),
      ...history('ppweb0099', 6, () => 35, 'web_api'), // 30 minutes: still warming up
    ];
    const res = await t.post('/feed/data', { records });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'success',
      records_added: records.length,
      duplicates: 0,
      rejected: [],
    });
    await t.inference.pass();

    const body = await t.get<Predictions>('/predictions/current');
    expect(Object.keys(body.predictions).sort()).toEqual(['edge-host-7', 'ppdb0001', 'ppweb0001', 'ppweb0099']);
    for (const name of ['ppweb0001', 'ppdb0001', 'edge-host-7']) {
      const p = body.predictions[name];
      expect(p.model).toBe('TFT');
      expect(p.drivers?.encoder.length).toBeGreaterThan(0);
      expect(p.forecast_origin).toBe(new Date((END - 600) * 1000).toISOString().replace('.000Z', 'Z'));
      for (const metric of METRICS) {
        const { p10, p50, p90 } = p[metric];
        expect(p50).toHaveLength(96);
        for (let h = 0; h < 96; h++) expect(p10[h] <= p50[h] && p50[h] <= p90[h]).toBe(true);
        // sent with two decimals: 45.12, never 45.123
        expect([...p10, ...p50, ...p90].filter((v) => Math.abs(v * 100 - Math.round(v * 100)) > 1e-6)).toEqual([]);
      }
      // a daily cpu between 25 and 55 % should be forecast inside the plausible range
      expect(Math.min(...p['cpu_percent'].p50)).toBeGreaterThan(10);
      expect(Math.max(...p['cpu_percent'].p50)).toBeLessThan(80);
    }
    expect(body.predictions['ppweb0099'].model).toBe('heuristic');
    expect(body.predictions['ppweb0099'].drivers).toBeNull();
    expect(body.metadata).toMatchObject({
      model_type: 'TFT',
      horizon_steps: 96,
      step_seconds: 300,
      device: 'cpu',
      servers_tft: 3,
      servers_heuristic: 1,
    });
    expect(body.environment).toMatchObject({ total_servers: 4 });

    const status = await t.get<{
      fleet: Record<string, unknown>;
      warmup: Record<string, unknown>;
      memory: Record<'rss_mb' | 'heap_used_mb' | 'heap_total_mb' | 'array_buffers_mb' | 'external_mb', number> & {
        last_collection_ms: number | null;
      };
      servers: {
        server_name: string;
        is_warmed_up: boolean;
        progress_percent: number;
      }[];
    }>('/status');
    const m = status.memory;
    expect(m.heap_used_mb).toBeGreaterThan(1);
    expect(m.heap_used_mb).toBeLessThanOrEqual(m.heap_total_mb);
    // not compared with external_mb: with the inference worker thread, arrayBuffers can exceed it
    expect(m.array_buffers_mb).toBeGreaterThan(0);
    expect(m.rss_mb).toBeGreaterThan(m.heap_total_mb);
    expect(m.last_collection_ms).toBeNull(); // four servers' body is far below the size that is collected promptly
    expect(status.fleet).toMatchObject({
      total_servers: 4,
      fleet_status: '3/4 servers ready',
    });
    expect(status.warmup).toMatchObject({ is_warmed_up: false, threshold: 12 });
    expect(status.servers.find((s) => s.server_name === 'ppweb0099')).toMatchObject({ is_warmed_up: false, progress_percent: 42 });
  });

  it('serves predictions from the cache: reads never run the model', async () => {
    const callsBefore = tftCalls;
    const first = await (await fetch(`${t.base}/predictions/current`)).text();
    for (let i = 0; i < 20; i++) expect(await (await fetch(`${t.base}/predictions/current`)).text()).toBe(first);
    await t.get('/alerts/active');
    expect(tftCalls).toBe(callsBefore);
    await t.inference.pass(); // nothing changed: nothing is re-forecast
    expect(tftCalls).toBe(callsBefore);

    // A sample into the open step moves `current` at the next tick, without running the model.
    const before = (await t.get<Predictions>('/predictions/current')).predictions['ppweb0001']['cpu_percent'].current;
    const late = {
      ...history('ppweb0001', 1, () => 0, 'web_api')[0],
      cpu_percent: 99,
    };
    late.timestamp = new Date((END - 300 + 100) * 1000).toISOString();
    expect((await (await t.post('/feed/data', { records: [late] })).json()).records_added).toBe(1);
    await t.inference.pass();
    const cpu = (await t.get<Predictions>('/predictions/current')).predictions['ppweb0001']['cpu_percent'] as {
      current: number;
      trend: number;
      p50: number[];
    };
    const after = cpu.current;
    expect(after).toBeCloseTo((before + 99) / 2, 2);
    expect(cpu.trend).toBeCloseTo((cpu.p50[95] - after) / 8, 3); // per hour over the 8 h horizon, from the new current
    expect(tftCalls).toBe(callsBefore);
  });

  it('answers the calls made during a tick with one shared follow-up tick', async () => {
    const passes = () => t.app.get(LatestPass).stats.count;
    const ticks = passes();
    const first = t.inference.pass();
    const second = t.inference.pass();
    const third = t.inference.pass();
    expect(third).toBe(second);
    await Promise.all([first, second, third]);
    expect(passes()).toBe(ticks + 2);
    await t.inference.pass(); // idle again: a tick of its own
    expect(passes()).toBe(ticks + 3);
  });

  it('serves the cached body gzipped on request, and 304 while its ETag is current', async () => {
    const plain = await fetch(`${t.base}/predictions/current`, {
      headers: { 'accept-encoding': 'identity' },
    });
    const etag = plain.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-z]+-[0-9a-z]+"$/);
    const text = await plain.text();
    // the first reader asking for gzip waits for the copy (made off the event loop) and gets it
    const zipped = await fetch(`${t.base}/predictions/current`, {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(Number(zipped.headers.get('content-length'))).toBeLessThan(text.length / 2);
    expect(await zipped.text()).toBe(text); // fetch inflates it
    const again = await fetch(`${t.base}/predictions/current`, {
      headers: { 'if-none-match': etag as string },
    });
    expect(again.status).toBe(304);
  });

  it('forecasts a step as soon as it closes, without waiting for the forecast interval', async () => {
    // the test app's interval is an hour: only the tick that ingest requests can move the origin
    const before = (await t.get<Predictions>('/predictions/current')).predictions['ppdb0001'].forecast_origin;
    const next = {
      ...history('ppdb0001', 1, () => 40, 'database')[0],
      timestamp: new Date((END + 10) * 1000).toISOString(),
    };
    expect((await (await t.post('/feed/data', { records: [next] })).json()).records_added).toBe(1);
    const closed = new Date((END - 300) * 1000).toISOString().replace('.000Z', 'Z');
    let origin = before;
    for (let i = 0; i < 200 && origin === before; i++) {
      await new Promise((r) => setTimeout(r, 25));
      origin = (await t.get<Predictions>('/predictions/current')).predictions['ppdb0001'].forecast_origin;
    }
    expect(before).not.toBe(closed);
    expect(origin).toBe(closed);
  });

  it('fires a cpu alert ahead of the crossing for a rising series', async () => {
    // a cold server climbing 1.5 points per step from 50 %: warning (80 %) is about 20 steps away
    const records = history('pprisk0042', 13, (i) => 50 + 1.5 * i, 'risk_analytics');
    expect((await t.post('/feed/data', { records: records.slice(0, 10) })).status).toBe(200);
    await t.inference.pass();
    // predicted, but not yet for ALERT_FOR (10 min of the server's data time)
    expect((await t.get<{ alerts: Predictions['alerts'] }>('/alerts/active')).alerts.some((a) => a.server === 'pprisk0042')).toBe(false);
    expect((await t.post('/feed/data', { records: records.slice(10) })).status).toBe(200);
    await t.inference.pass();
    const alerts = await t.get<{
      count: number;
      alerts: Predictions['alerts'];
    }>('/alerts/active');
    const cpu = alerts.alerts.find((a) => a.server === 'pprisk0042' && a.metric === 'cpu_percent');
    expect(cpu).toBeDefined();
    expect(cpu!.minutes_ahead).toBeGreaterThan(15);
    expect(cpu!.minutes_ahead).toBeLessThan(480);
    expect(cpu!.predicted_value).toBeGreaterThanOrEqual(cpu!.threshold);
    expect(alerts.count).toBe(alerts.alerts.length);
  });

  it('alerts ahead of the crossing for a warm server whose cpu is rising (TFT plus trend guard)', async () => {
    const N = 36 * 12;
    // 33 h steady around 45 %, then 3 h climbing 0.9 points per step: about 77 % now, 80 % minutes away
    const records = history('ppweb0042', N, (i) => (i < N - 36 ? 45 + Math.sin(i) : 45 + (i - (N - 36)) * 0.9), 'web_api');
    expect((await t.post('/feed/data', { records: records.slice(0, N - 3) })).status).toBe(200);
    await t.inference.pass();
    expect((await t.post('/feed/data', { records: records.slice(N - 3) })).status).toBe(200);
    await t.inference.pass();
    const body = await t.get<Predictions>('/predictions/current');
    expect(body.predictions['ppweb0042'].model).toBe('TFT');
    const cpu = body.alerts.find((a) => a.server === 'ppweb0042' && a.metric === 'cpu_percent');
    expect(cpu).toBeDefined();
    expect(cpu!.minutes_ahead).toBeGreaterThan(0);
    expect(cpu!.minutes_ahead).toBeLessThanOrEqual(120);
    expect(cpu!.predicted_value).toBeGreaterThanOrEqual(cpu!.threshold);
  });

  it('counts a re-sent batch as duplicates and stores nothing twice', async () => {
    const records = history('ppcon0001', 3, () => 20, 'conductor_mgmt');
    await t.post('/feed/data', { records });
    const again = await (await t.post('/feed/data', { records })).json();
    expect(again).toMatchObject({
      status: 'success',
      records_added: 0,
      duplicates: 3,
    });
    const detail = await t.get<{
      history: { samples: number }[];
      open_step: { samples: number };
    }>('/servers/ppcon0001');
    expect(detail.history.map((h) => h.samples).concat(detail.open_step.samples)).toEqual([1, 1, 1]);
  });

  it('keeps the good records of a mixed batch and names the bad one', async () => {
    const good = history('ppgen0001', 2, () => 30, 'generic');
    const res = await t.post('/feed/data', {
      records: [good[0], { ...good[1], cpu_percent: 101 }, good[1]],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'partial',
      records_added: 2,
      rejected: [
        {
          index: 1,
          field: 'cpu_percent',
          reason: 'cpu_percent must be a number in 0..100 (got 101)',
        },
      ],
    });
  });

  const valid = history('ppml0001', 1, () => 40)[0];
  const violations: [string, Record<string, unknown>, string, string][] = [
    ['missing timestamp', { timestamp: undefined }, 'timestamp', 'timestamp is required'],
    ['unparseable timestamp', { timestamp: 'yesterday noon' }, 'timestamp', 'ISO 8601'],
    ['absurd timestamp', { timestamp: '1970-01-01T00:00:00Z' }, 'timestamp', 'between 2000 and 2100'],
    ['missing server_name', { server_name: undefined }, 'server_name', 'server_name is required'],
    ['control characters in server_name', { server_name: 'web\n01' }, 'server_name', 'letters, digits'],
    ['overlong server_name', { server_name: 'x'.repeat(200) }, 'server_name', '1-128 letters, digits'],
    ['cpu over 100', { cpu_percent: 100.5 }, 'cpu_percent', 'cpu_percent must be a number in 0..100 (got 100.5)'],
    ['negative memory', { memory_percent: -1 }, 'memory_percent', 'memory_percent must be a number in 0..100 (got -1)'],
    ['disk as a string', { disk_percent: '35' }, 'disk_percent', 'disk_percent must be a number in 0..100 (got "35")'],
    ['missing load', { load_average: undefined }, 'load_average', 'load_average is required'],
    ['negative load', { load_average: -0.1 }, 'load_average', 'load_average must be a number in 0..100000 (got -0.1)'],
    ['unknown profile', { profile: 'mainframe' }, 'profile', 'profile must be one of'],
    ['bad status', { status: 'DROP TABLE' }, 'status', 'lower-case word'],
  ];
  it.each(violations)('rejects %s with 400 naming the field', async (_, patch, field, reason) => {
    const res = await t.post('/feed/data', {
      records: [{ ...valid, ...patch }],
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.rejected).toHaveLength(1);
    expect(body.rejected[0]).toMatchObject({ index: 0, field });
    expect(body.rejected[0].reason).toContain(reason);
    expect(body.message).toBe(`records[0].${field}: ${body.rejected[0].reason}`);
  });

  it('rejects a malformed envelope and an oversized body clearly', async () => {
    expect((await t.post('/feed/data', { records: [] })).status).toBe(400);
    const misnamed = await t.post('/feed/data', { data: [valid] });
    expect(misnamed.status).toBe(400);
    expect((await misnamed.json()).message).toBe('property data should not exist; records must be an array');
    expect((await t.post('/feed/data', '{"records": [')).status).toBe(400);
    const huge = { records: Array.from({ length: 200_000 }, () => valid) };
    const res = await t.post('/feed/data', huge);
    expect(res.status).toBe(413);
  });

  it('returns a server history on the step grid with its forecast', async () => {
    const d = await t.get<{
      server_name: string;
      profile: string;
      history: { timestamp: string; cpu_percent: number; samples: number }[];
      forecast: { model: string };
      warmup: { is_warmed_up: boolean };
    }>('/servers/ppweb0001');
    expect(d.server_name).toBe('ppweb0001');
    expect(d.profile).toBe('web_api');
    // the newest kept step is still open: history has the rest (288, or the model's context + 1 if more)
    expect(d.history).toHaveLength(t.app.get(WindowService).retentionSteps - 1);
    expect(d.history.at(-1)!.timestamp).toBe(new Date((END - 600) * 1000).toISOString().replace('.000Z', 'Z'));
    expect(d.history.every((h) => h.samples === 1)).toBe(true);
    expect(d.forecast.model).toBe('TFT');
    expect(d.warmup.is_warmed_up).toBe(true);
    const missing = await fetch(`${t.base}/servers/nope`);
    expect(missing.status).toBe(404);
  });

  it('answers /health and publishes the committed OpenAPI document', async () => {
    expect(await t.get('/health')).toMatchObject({
      status: 'healthy',
      service: 'tft_inference_daemon',
      running: true,
    });
    const served = await t.get<{ paths: Record<string, unknown> }>('/docs-json');
    expect(Object.keys(served.paths)).toEqual(
      expect.arrayContaining(['/feed/data', '/predictions/current', '/alerts/active', '/health', '/status', '/servers/{server_name}']),
    );
    const committed = JSON.parse(readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8'));
    // If this fails, the API changed: run `npm run openapi` and commit apps/api/openapi.json.
    expect(JSON.parse(JSON.stringify(buildOpenApiDocument(t.app)))).toEqual(committed);
  });
});
