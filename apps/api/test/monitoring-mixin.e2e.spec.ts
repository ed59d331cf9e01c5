import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// the launcher the Prometheus integration tests and `npm run start:prometheus` use
import { startPrometheusStack } from '../../../tools/prometheus-stack.mjs';
import {
  allPanels,
  dashboardQueries,
  exposedNames,
  MIXIN_DIR,
  PROMETHEUS_SERIES,
  queryNames,
  readDashboards,
  type GrafanaDashboard,
} from './monitoring-mixin';
import { daily, history, startTestApp, type TestApp } from './test-app';

/**
 * deploy/monitoring against the real tools and the real api: promtool checks and unit-tests the rules,
 * amtool the Alertmanager example, and every metric name a dashboard or a rule queries must be one that
 * GET /metrics exposes (or a recording rule of the mixin, or Prometheus' own `up`). A Prometheus loads
 * the rules and scrapes the api (in OpenMetrics, as Prometheus asks for it) so that every dashboard
 * query is evaluated by Prometheus itself.
 */

const RULES_DIR = join(MIXIN_DIR, 'rules');
const ruleFiles = readdirSync(RULES_DIR).filter((f) => f.endsWith('.rules.yml'));
const ruleTests = readdirSync(RULES_DIR).filter((f) => f.endsWith('.rules.test.yml'));
const ALERTMANAGER_YML = join(MIXIN_DIR, 'alertmanager', 'alertmanager.yml');
const OPERATIONS_MD = join(MIXIN_DIR, '..', '..', 'docs', 'OPERATIONS.md');

/** Runs one of Debian's Prometheus tools; a clear failure when it is not installed. */
function tool(binary: string, args: string[], cwd = MIXIN_DIR): { status: number | null; output: string } {
  const r = spawnSync(binary, args, { cwd, encoding: 'utf8' });
  if (r.error)
    throw new Error(`${binary} is missing (npm test installs Debian's prometheus and prometheus-alertmanager): ${r.error.message}`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

interface Stack {
  prometheusUrl: string;
  stop(): Promise<void>;
  output(): string;
}

interface PromRule {
  name: string;
  query: string;
  type: 'recording' | 'alerting';
  duration?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, context: () => string): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${context().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** GitHub's anchors of a markdown file's headings. */
function anchors(markdown: string): Set<string> {
  return new Set(
    [...markdown.matchAll(/^#+ (.+)$/gm)].map((m) =>
      m[1]
        .trim()
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replace(/ /g, '-'),
    ),
  );
}

describe('the monitoring mixin (deploy/monitoring)', () => {
  it('promtool check rules passes on every rules file', () => {
    expect(ruleFiles).toContain('tft-engine.rules.yml');
    for (const file of ruleFiles) {
      const r = tool('promtool', ['check', 'rules', join('rules', file)]);
      expect(r.output).toMatch(/SUCCESS: \d+ rules found/);
      expect(r.status, r.output).toBe(0);
    }
  });

  it("promtool test rules passes the alerts' unit tests, and every alert has some", () => {
    expect(ruleTests).toContain('tft-engine.rules.test.yml');
    const r = tool('promtool', ['test', 'rules', ...ruleTests], RULES_DIR);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toMatch(/SUCCESS/);
    const tests = ruleTests.map((f) => readFileSync(join(RULES_DIR, f), 'utf8')).join('\n');
    const alerts = ruleFiles.flatMap((f) =>
      [...readFileSync(join(RULES_DIR, f), 'utf8').matchAll(/^\s*- alert: (\w+)$/gm)].map((m) => m[1]),
    );
    expect(alerts.length).toBeGreaterThan(5);
    expect(alerts.filter((a) => !new RegExp(`alertname: ${a}$`, 'm').test(tests))).toEqual([]);
  });

  it('amtool check-config passes on the Alertmanager example, which routes each kind of alert to its receiver', () => {
    const r = tool('amtool', ['check-config', ALERTMANAGER_YML]);
    expect(r.status, r.output).toBe(0);
    const route = (...labels: string[]) =>
      tool('amtool', ['config', 'routes', 'test', `--config.file=${ALERTMANAGER_YML}`, ...labels]).output.split('\n')[0];
    expect(route('alertname=TftEngineDown', 'severity=critical', 'job=tft')).toBe('platform-pager');
    expect(route('alertname=TftIngestStopped', 'severity=warning', 'job=tft')).toBe('platform');
    expect(route('alertname=PredictedThresholdBreach', 'severity=critical', 'server=ppdb0001')).toBe('capacity-pager');
    expect(route('alertname=PredictedThresholdBreach', 'severity=warning', 'server=ppdb0001')).toBe('capacity');
  });

  it('has valid Grafana dashboards: unique ids, the data source variable everywhere, links to dashboards that exist', () => {
    const dashboards = [...readDashboards().values()];
    expect(dashboards.map((d) => d.uid).sort()).toEqual(['tft-engine', 'tft-fleet', 'tft-server']);
    const uids = new Set(dashboards.map((d) => d.uid));
    for (const d of dashboards) {
      expect(d.schemaVersion, d.uid).toBeGreaterThanOrEqual(39);
      const variables = d.templating.list;
      expect(
        variables.find((v) => v.name === 'datasource'),
        d.uid,
      ).toMatchObject({ type: 'datasource', query: 'prometheus' });
      const panels = allPanels(d);
      expect(new Set(panels.map((p) => p.id)).size, d.uid).toBe(panels.length);
      for (const p of panels) {
        expect(p.gridPos.x + p.gridPos.w, `${d.uid} "${p.title}"`).toBeLessThanOrEqual(24);
        if (p.type === 'row') continue;
        expect(p.datasource, `${d.uid} "${p.title}"`).toEqual({ type: 'prometheus', uid: '${datasource}' });
        expect(p.targets?.length, `${d.uid} "${p.title}"`).toBeGreaterThan(0);
        for (const t of p.targets ?? []) expect(t.datasource?.uid, `${d.uid} "${p.title}"`).toBe('${datasource}');
        for (const link of p.fieldConfig?.defaults?.links ?? []) expect(uids, link.url).toContain(/^\/d\/([\w-]+)/.exec(link.url)?.[1]);
      }
      expect(overlaps(panels), d.uid).toEqual([]);
    }
    const server = dashboards.find((d) => d.uid === 'tft-server') as GrafanaDashboard;
    expect(server.templating.list.find((v) => v.name === 'server')).toMatchObject({
      type: 'query',
      query: { query: expect.stringMatching(/^label_values\(tft_server_info\{.*\}, server\)$/) },
    });
  });

  describe('against the api and a Prometheus that scrapes it', () => {
    let t: TestApp | undefined;
    let stack: Stack | undefined;
    let exposed: Set<string>;
    let rules: PromRule[];

    beforeAll(async () => {
      // deliveries to an Alertmanager that refuses connections: tft_alert_deliveries_total exists
      t = await startTestApp({ ALERTMANAGER_URL: 'http://127.0.0.1:9' });
      // ppcon0001 climbs to 97 % cpu: a predicted breach; ppweb0001 stays calm
      const climbing = history('ppcon0001', 150, (i) => Math.min(97, 40 + i * 0.45), 'conductor_mgmt');
      const calm = history('ppweb0001', 150, (i) => daily(i), 'web_api');
      expect((await t.post('/feed/data', { records: [...climbing, ...calm] })).status).toBe(200);
      await t.inference.pass();
      exposed = exposedNames(await (await fetch(`${t.base}/metrics`)).text());

      stack = (await startPrometheusStack({
        apiUrl: t.base,
        nodeExporter: false,
        mode: 'server',
        scrapeInterval: '1s',
        ruleFiles: ruleFiles.map((f) => join(RULES_DIR, f)),
      })) as Stack;
      const s = stack;
      rules = await waitFor(
        'prometheus to load the rules',
        async () => {
          const body = (await (await fetch(`${s.prometheusUrl}/api/v1/rules`)).json()) as { data: { groups: { rules: PromRule[] }[] } };
          const all = body.data.groups.flatMap((g) => g.rules);
          return all.length ? all : undefined;
        },
        30_000,
        s.output,
      );
      await waitFor(
        'prometheus to scrape the forecasts',
        async () => ((await query('tft_server_info{server="ppcon0001"}')).length ? true : undefined),
        30_000,
        s.output,
      );
    }, 120_000);

    afterAll(async () => {
      await stack?.stop();
      await t?.app.close();
    });

    async function query(expr: string): Promise<{ metric: Record<string, string> }[]> {
      const res = await fetch(`${stack!.prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string> }[] } };
      if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
      return body.data.result;
    }

    /** The names of `names` that neither GET /metrics, nor the mixin's recording rules, nor Prometheus itself provide. */
    function unknown(names: Iterable<string>): string[] {
      const recorded = new Set(rules.filter((r) => r.type === 'recording').map((r) => r.name));
      return [...names].filter((n) => !exposed.has(n) && !recorded.has(n) && !PROMETHEUS_SERIES.has(n));
    }

    it('every metric name that a dashboard or a rule queries is one GET /metrics exposes', () => {
      const queried = new Map<string, string[]>();
      const note = (name: string, where: string) => queried.set(name, [...(queried.get(name) ?? []), where]);
      for (const d of readDashboards().values()) for (const q of dashboardQueries(d)) for (const n of queryNames(q)) note(n, q.where);
      for (const r of rules) for (const n of queryNames({ expr: r.query, variable: false })) note(n, `rule ${r.name}`);
      // what the mixin covers: the forecasts, the limits, deliveries, staleness, thresholds
      expect([...queried.keys()]).toEqual(
        expect.arrayContaining([
          'tft_forecast_utilisation_ratio',
          'tft_forecast_load_average',
          'tft_predicted_breach_seconds',
          'tft_incident_probability_ratio',
          'tft_ingest_samples_total',
          'tft_alert_deliveries_total',
          'tft_newest_forecast_age_seconds',
          'tft_forecast_step_seconds',
          'tft_alert_threshold_utilisation_ratio',
          'tft_server_info',
          'tft_forecast_pass_duration_seconds_bucket',
        ]),
      );
      const missing = unknown(queried.keys()).map((n) => `${n} (${queried.get(n)?.join('; ')})`);
      expect(missing).toEqual([]);
      // and the check catches a name that is not there, also a histogram's bare family name
      expect(unknown(['tft_forecast_utilisation_ratios', 'tft_forecast_pass_duration_seconds'])).toHaveLength(2);
    });

    it('Prometheus loads every alert with a for, a severity and a summary, description and runbook in docs/OPERATIONS.md', () => {
      const alerts = rules.filter((r) => r.type === 'alerting');
      expect(alerts.length).toBeGreaterThan(5);
      const runbooks = anchors(readFileSync(OPERATIONS_MD, 'utf8'));
      for (const a of alerts) {
        expect(a.duration, a.name).toBeGreaterThan(0);
        expect(['critical', 'warning', 'info'], a.name).toContain(a.labels?.['severity']);
        expect(a.annotations?.['summary'], a.name).toBeTruthy();
        expect(a.annotations?.['description'], a.name).toBeTruthy();
        const runbook = a.annotations?.['runbook'] ?? '';
        expect(runbook, a.name).toMatch(/^docs\/OPERATIONS\.md#/);
        expect(runbooks, a.name).toContain(runbook.split('#')[1]);
      }
    });

    it('Prometheus evaluates every dashboard query; the per-server bands find the forecast and its thresholds', async () => {
      const values: Record<string, string> = {
        job: 'tft',
        instance: '.+',
        server: 'ppcon0001',
        metric: 'cpu_percent',
        horizon: '1h',
        __rate_interval: '1m',
      };
      const substitute = (expr: string) =>
        expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => {
          const name = (a ?? b) as string;
          if (!(name in values)) throw new Error(`no test value for $${name} in ${expr}`);
          return values[name];
        });
      for (const d of readDashboards().values()) {
        for (const q of dashboardQueries(d).filter((q) => !q.variable)) {
          await expect(query(substitute(q.expr)), q.where).resolves.toBeDefined();
        }
      }
      const server = readDashboards().get('tft-server.json') as GrafanaDashboard;
      const bands = allPanels(server).filter((p) => p.type === 'timeseries');
      expect(bands.map((p) => p.title)).toHaveLength(4);
      for (const panel of bands) {
        for (const target of panel.targets ?? []) {
          expect((await query(substitute(target.expr ?? ''))).length, `${panel.title} ${target.refId}`).toBe(1);
        }
      }
    });

    it('Prometheus reads the OpenMetrics it is served into the series of the text format', async () => {
      expect((await query('up{job="tft"} == 1')).length).toBe(1);
      const stored = new Set(
        ((await (await fetch(`${stack!.prometheusUrl}/api/v1/label/__name__/values`)).json()) as { data: string[] }).data,
      );
      const ours = [...exposed].filter((n) => n.startsWith('tft_'));
      expect(ours).toContain('tft_ingest_samples_total');
      expect(ours.filter((n) => !stored.has(n))).toEqual([]);
    });
  });
});

/** Pairs of panels whose grid rectangles overlap. */
function overlaps(panels: { title: string; gridPos: { x: number; y: number; w: number; h: number } }[]): string[] {
  const out: string[] = [];
  panels.forEach((a, i) =>
    panels.slice(i + 1).forEach((b) => {
      const g = a.gridPos;
      const h = b.gridPos;
      if (g.x < h.x + h.w && h.x < g.x + g.w && g.y < h.y + h.h && h.y < g.y + g.h) out.push(`"${a.title}" and "${b.title}"`);
    }),
  );
  return out;
}
