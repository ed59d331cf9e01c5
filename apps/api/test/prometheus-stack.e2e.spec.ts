import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
// one copy of the stack's configs: the same launcher `npm run start:prometheus` uses
import { startPrometheusStack } from '../../../tools/prometheus-stack.mjs';
import { END, history, startTestApp, type TestApp } from './test-app';

/** The real programs (Debian's prometheus, node_exporter, alertmanager) wired to the real api on loopback. */

interface Stack {
  prometheusUrl?: string;
  alertmanagerUrl?: string;
  hostName?: string;
  stop(): Promise<void>;
  output(): string;
}

type Point = Record<'cpu_percent' | 'memory_percent' | 'disk_percent' | 'load_average', number | null>;

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  context: () => string = () => '',
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${context().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The host's newest point that has all four metrics, once there is one. */
async function hostWithAllMetrics(t: TestApp, host: string): Promise<Point | undefined> {
  const res = await fetch(`${t.base}/servers/${host}`);
  if (res.status !== 200) return undefined;
  const detail = (await res.json()) as { history: Point[]; open_step: Point | null };
  const points = [...detail.history, ...(detail.open_step ? [detail.open_step] : [])];
  const complete = (p: Point) => Object.values(p).every((v) => typeof v === 'number');
  const merged: Point = { cpu_percent: null, memory_percent: null, disk_percent: null, load_average: null };
  for (const p of points) for (const k of Object.keys(merged) as (keyof Point)[]) merged[k] = p[k] ?? merged[k];
  return complete(merged) ? merged : undefined;
}

describe('with the real Prometheus stack', () => {
  let t: TestApp | undefined;
  let stack: Stack | undefined;
  let receiver: Server | undefined;
  afterEach(async () => {
    await stack?.stop();
    await t?.app.close();
    receiver?.close();
    stack = t = receiver = undefined;
  });

  /** The api, and Prometheus scraping this machine's node_exporter into it; resolves once the host has all four metrics. */
  async function machineInApi(options: Record<string, unknown>): Promise<{ host: string; app: TestApp; started: Stack }> {
    const app = (t = await startTestApp());
    const started = (stack = (await startPrometheusStack({ apiUrl: app.base, batchSendDeadline: '1s', ...options })) as Stack);
    const host = started.hostName as string;
    const point = await waitFor(`${host} with all four metrics`, () => hostWithAllMetrics(app, host), 60_000, started.output);
    expect(point.cpu_percent).toBeGreaterThanOrEqual(0);
    expect(point.cpu_percent).toBeLessThanOrEqual(100);
    expect(point.memory_percent).toBeGreaterThan(0);
    expect(point.memory_percent).toBeLessThan(100);
    expect(point.disk_percent).toBeGreaterThan(0);
    expect(point.load_average).toBeGreaterThanOrEqual(0);
    return { host, app, started };
  }

  it('node_exporter -> prometheus (server mode, recording rules) remote-writes the host into the api, and prometheus scrapes our forecasts', async () => {
    const { host, app, started } = await machineInApi({ mode: 'server', recordingRules: true });

    // a forecast for the host, then prometheus finds its series through its query API
    await app.inference.pass();
    const query = `tft_forecast_utilisation_ratio{server="${host}",metric="memory_percent",horizon="1h",percentile="p50"}`;
    const result = await waitFor(
      'prometheus to scrape our forecast series',
      async () => {
        const res = await fetch(`${started.prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
        const body = (await res.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
        return body.data.result.length ? body.data.result : undefined;
      },
      30_000,
      started.output,
    );
    expect(result[0].metric).toMatchObject({ job: 'tft', server: host, metric: 'memory_percent' });
    expect(Number(result[0].value[1])).toBeGreaterThan(0);
    expect(Number(result[0].value[1])).toBeLessThanOrEqual(1);
  }, 120_000);

  it('prometheus in agent mode (raw counters, no rules) remote-writes the host with all four metrics', async () => {
    const { app } = await machineInApi({ mode: 'agent', scrapeApiMetrics: false });
    // write_relabel_configs kept only what the receiver uses
    const metrics = await (await fetch(`${app.base}/metrics`)).text();
    expect(metrics).toMatch(/^tft_remote_write_ignored_series_total 0$/m);
    expect(Number(/^tft_ingest_samples_total\{route="\/api\/v1\/write",outcome="stored"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
  }, 120_000);

  it('the real alertmanager receives a predicted breach with our labels, and resolves it after the ramp falls back', async () => {
    const notifications: { status: string; alerts: { status: string; labels: Record<string, string> }[] }[] = [];
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        notifications.push(JSON.parse(body));
        res.end();
      });
    });
    await new Promise<void>((r) => receiver!.listen(0, '127.0.0.1', r));
    const webhook = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/notify`;
    stack = (await startPrometheusStack({
      nodeExporter: false,
      prometheus: false,
      alertmanager: true,
      alertmanagerWebhookUrl: webhook,
      apiUrl: null,
    })) as Stack;
    t = await startTestApp({
      ALERTMANAGER_URL: stack.alertmanagerUrl as string,
      ALERT_FOR: '0',
      ALERT_RESOLVE_AFTER: '0',
      ALERT_RESEND_INTERVAL: '2s',
      CONSOLE_URL: 'http://console.example:8501',
    });

    // a container host whose cpu ramps to 97 %: the forecast crosses its thresholds
    const ramp = history('ppcon0042', 150, (i) => Math.min(97, 40 + i * 0.45), 'conductor_mgmt');
    expect((await t.post('/feed/data', { records: ramp })).status).toBe(200);
    await t.inference.pass();
    const firing = await t.get<{ alerts: { id: string; metric: string; severity: string }[] }>('/alerts/active');
    const cpu = firing.alerts.find((a) => a.metric === 'cpu_percent');
    expect(cpu).toBeDefined();

    type AmAlert = { labels: Record<string, string>; annotations: Record<string, string>; generatorURL: string; status: { state: string } };
    const held = await waitFor(
      'alertmanager to hold our alert',
      async () => {
        const alerts = (await (await fetch(`${stack!.alertmanagerUrl}/api/v2/alerts`)).json()) as AmAlert[];
        return alerts.find((a) => a.labels['server'] === 'ppcon0042' && a.labels['metric'] === 'cpu_percent');
      },
      20_000,
      stack.output,
    );
    expect(held.labels).toMatchObject({
      alertname: 'PredictedThresholdBreach',
      server: 'ppcon0042',
      metric: 'cpu_percent',
      severity: cpu!.severity,
      profile: 'conductor_mgmt',
      model: 'TFT',
      trigger: expect.stringMatching(/^(probability|p50|p90|trend)$/),
    });
    expect(held.annotations['summary']).toMatch(/cpu/);
    expect(held.annotations['alert_id']).toBe(cpu!.id);
    expect(held.generatorURL).toBe('http://console.example:8501/servers/ppcon0042');
    expect(held.status.state).toBe('active');
    await waitFor('a firing notification', async () => notifications.find((n) => n.status === 'firing'), 20_000, stack.output);

    // the ramp falls back: two hours of calm cpu after it
    const calm = Array.from({ length: 24 }, (_, i) => ({
      ...ramp[0],
      timestamp: new Date((END + i * 300) * 1000).toISOString(),
      cpu_percent: 20,
      load_average: 0.8,
    }));
    expect((await t.post('/feed/data', { records: calm })).status).toBe(200);
    await t.inference.pass();
    expect((await t.get<{ alerts: { metric: string }[] }>('/alerts/active')).alerts.filter((a) => a.metric === 'cpu_percent')).toEqual([]);
    const resolved = await waitFor(
      'a resolved notification from alertmanager',
      async () => notifications.find((n) => n.status === 'resolved' && n.alerts.some((a) => a.labels['metric'] === 'cpu_percent')),
      30_000,
      stack.output,
    );
    expect(resolved.alerts.find((a) => a.labels['metric'] === 'cpu_percent')?.labels['server']).toBe('ppcon0042');
    const still = (await (await fetch(`${stack.alertmanagerUrl}/api/v2/alerts?active=true`)).json()) as AmAlert[];
    expect(still.filter((a) => a.labels['metric'] === 'cpu_percent' && a.status.state === 'active')).toEqual([]);
  }, 120_000);
});
