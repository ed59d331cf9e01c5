import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertsService } from '../src/alerts/alerts.service';
import { ApiEvents } from '../src/snapshot/api-events';
import { LatestPass } from '../src/snapshot/latest-pass';
import { daily, history, startTestApp, type TestApp } from './test-app';

/** `promtool check metrics` on an exposition: its exit code and the problems it names. */
function promtool(text: string): { status: number | null; problems: string[] } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) throw new Error(`promtool is missing (npm test installs Debian's prometheus): ${r.error.message}`);
  return {
    status: r.status,
    problems: `${r.stdout}${r.stderr}`
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  };
}

/** One sample line's value, by its name and labels as written. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics (Prometheus exposition)', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  async function fed(env: Record<string, string> = {}): Promise<string> {
    t = await startTestApp(env);
    // ppcon0001 climbs to 97 % cpu: a predicted breach; ppweb0001 stays calm
    const climbing = history('ppcon0001', 150, (i) => Math.min(97, 40 + i * 0.45), 'conductor_mgmt');
    const calm = history('ppweb0001', 150, (i) => daily(i), 'web_api');
    const bad = [{ ...calm[0], cpu_percent: 140 }];
    expect((await t.post('/feed/data', { records: [...climbing, ...calm] })).status).toBe(200);
    expect((await t.post('/feed/data', { records: [...calm.slice(0, 2), ...bad] })).status).toBe(200); // 2 duplicates, 1 refused
    await t.inference.pass();
    const res = await fetch(`${t.base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
    return res.text();
  }

  it("exposes the daemon's health and each server's forecast", async () => {
    const text = await fed();
    expect(value(text, 'tft_ingest_samples_total{route="/feed/data",outcome="stored"}')).toBe(300);
    expect(value(text, 'tft_ingest_samples_total{route="/feed/data",outcome="duplicate"}')).toBe(2);
    expect(value(text, 'tft_ingest_samples_total{route="/feed/data",outcome="rejected"}')).toBe(1);
    expect(value(text, 'tft_servers{model="TFT"}')).toBe(2);
    expect(value(text, 'tft_forecast_pass_duration_seconds_count')).toBe(1);
    expect(value(text, 'tft_newest_forecast_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(value(text, 'tft_forecast_step_seconds')).toBe(300);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    // the thresholds in effect per profile, as ratios (database memory and ml_compute load are overridden)
    expect(value(text, 'tft_alert_threshold_utilisation_ratio{profile="web_api",metric="cpu_percent",severity="warning"}')).toBe(0.8);
    expect(value(text, 'tft_alert_threshold_utilisation_ratio{profile="database",metric="memory_percent",severity="warning"}')).toBe(0.92);
    expect(value(text, 'tft_alert_threshold_load_average{profile="ml_compute",metric="load_average",severity="critical"}')).toBe(24);
    expect(value(text, 'tft_alert_threshold_load_average{profile="unknown",metric="load_average",severity="critical"}')).toBe(12);
    expect(value(text, 'tft_server_info{server="ppcon0001",profile="conductor_mgmt",model="TFT"}')).toBe(1);
    expect(value(text, 'tft_server_info{server="ppweb0001",profile="web_api",model="TFT"}')).toBe(1);

    const p50 = value(text, 'tft_forecast_utilisation_ratio{server="ppcon0001",metric="cpu_percent",horizon="30m",percentile="p50"}')!;
    const p10 = value(text, 'tft_forecast_utilisation_ratio{server="ppcon0001",metric="cpu_percent",horizon="30m",percentile="p10"}')!;
    const p90 = value(text, 'tft_forecast_utilisation_ratio{server="ppcon0001",metric="cpu_percent",horizon="30m",percentile="p90"}')!;
    expect(p50).toBeGreaterThan(0.7); // the series climbed to 97 %
    expect(p50).toBeLessThanOrEqual(1);
    expect(p10).toBeLessThanOrEqual(p50);
    expect(p90).toBeGreaterThanOrEqual(p50);
    // the same number the JSON forecast has, as a ratio
    const forecast = await t!.get<{ predictions: Record<string, { cpu_percent: { p50: number[] } }> }>('/predictions/current');
    expect(p50).toBeCloseTo(forecast.predictions['ppcon0001'].cpu_percent.p50[5] / 100, 4);
    expect(
      value(text, 'tft_forecast_load_average{server="ppweb0001",metric="load_average",horizon="8h",percentile="p50"}'),
    ).toBeGreaterThan(0);

    const warningIn = value(text, 'tft_predicted_breach_seconds{server="ppcon0001",metric="cpu_percent",severity="warning"}');
    expect(warningIn).toBeGreaterThanOrEqual(0);
    expect(warningIn).toBeLessThanOrEqual(8 * 3600);
    expect(value(text, 'tft_predicted_breach_seconds{server="ppweb0001",metric="cpu_percent",severity="critical"}')).toBeUndefined();
    expect(value(text, 'tft_incident_probability_ratio{server="ppcon0001",window="8h"}')).toBeGreaterThan(
      value(text, 'tft_incident_probability_ratio{server="ppweb0001",window="8h"}')!,
    );
  });

  it('serves the per-server series from one build per forecast change, and rebuilds them when a server leaves', async () => {
    const text = await fed();
    const forecastLines = (t: string) => t.split('\n').filter((l) => l.startsWith('tft_forecast_'));
    const again = await (await fetch(`${t!.base}/metrics`)).text();
    expect(forecastLines(again)).toEqual(forecastLines(text));
    // what a pass publishes when a server leaves (stale or retired)
    t!.app.get(ApiEvents).emit('forecast.snapshot', {
      dataTime: Math.floor(Date.now() / 1000),
      forecasts: [],
      removed: ['ppweb0001'],
      latest: new Map(),
      staleServers: 0,
      alerts: t!.app.get(AlertsService).take(),
      pass: t!.app.get(LatestPass).stats,
    });
    const after = await (await fetch(`${t!.base}/metrics`)).text();
    expect(after).not.toMatch(/server="ppweb0001"/);
    expect(after).toMatch(/server="ppcon0001"/);
  });

  it('passes promtool check metrics for every series of ours', async () => {
    const text = await fed();
    const ours = promtool(text).problems.filter((p) => !/^nodejs_/.test(p));
    expect(ours).toEqual([]);
    // and the check can fail: a gauge with the reserved quantile label is a problem
    const bad = promtool('# HELP tft_x_ratio x\n# TYPE tft_x_ratio gauge\ntft_x_ratio{quantile="0.5"} 1\n');
    expect(bad.status).toBe(3);
    expect(bad.problems.join('\n')).toMatch(/quantile/);
  });

  it('serves OpenMetrics when the scraper ranks it first, as Prometheus does, and the text format otherwise', async () => {
    const text = await fed();
    const prometheus =
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    const res = await fetch(`${t!.base}/metrics`, { headers: { accept: prometheus } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/openmetrics-text;.*version=1\.0\.0/);
    expect(res.headers.get('vary')).toMatch(/Accept/i);
    const om = await res.text();
    expect(om.endsWith('\n# EOF\n')).toBe(true);
    expect(om.match(/^# EOF$/gm)).toHaveLength(1); // once, after the daemon's and the per-server families
    expect(om).not.toMatch(/\n\n/);
    expect(om).toMatch(/^# TYPE tft_ingest_samples counter$/m);
    expect(value(om, 'tft_ingest_samples_total{route="/feed/data",outcome="stored"}')).toBe(300);
    // the same samples under the same names as the text format (process figures move between scrapes)
    const ours = (body: string) => body.split('\n').filter((l) => l.startsWith('tft_') && !l.startsWith('tft_newest_forecast_age_seconds'));
    expect(ours(om)).toEqual(ours(text));

    // the text format stays the default, also after an OpenMetrics scrape
    for (const accept of [undefined, '*/*', 'text/plain', 'application/json']) {
      const plain = await fetch(`${t!.base}/metrics`, accept ? { headers: { accept } } : {});
      expect(plain.headers.get('content-type'), accept).toMatch(/^text\/plain;.*version=0\.0\.4/);
      const body = await plain.text();
      expect(body, accept).not.toMatch(/# EOF/);
      expect(body, accept).toMatch(/^# TYPE tft_ingest_samples_total counter$/m);
      expect(value(body, 'tft_ingest_samples_total{route="/feed/data",outcome="stored"}'), accept).toBe(300);
    }
  });

  it('leaves the per-server series out with METRICS_PER_SERVER=false', async () => {
    const text = await fed({ METRICS_PER_SERVER: 'false' });
    expect(text).not.toMatch(/tft_forecast_utilisation_ratio/);
    expect(text).not.toMatch(/server="/);
    expect(value(text, 'tft_servers{model="TFT"}')).toBe(2);
  });
});
