import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
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
    expect(text).toMatch(/^process_cpu_seconds_total /m);

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
    t!.inference.forgetServers(['ppweb0001']);
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

  it('leaves the per-server series out with METRICS_PER_SERVER=false', async () => {
    const text = await fed({ METRICS_PER_SERVER: 'false' });
    expect(text).not.toMatch(/tft_forecast_utilisation_ratio/);
    expect(text).not.toMatch(/server="/);
    expect(value(text, 'tft_servers{model="TFT"}')).toBe(2);
  });
});
