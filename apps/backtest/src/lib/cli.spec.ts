import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, UsageError } from './cli';

const T0 = Date.UTC(2025, 0, 6);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

interface Row {
  model: string;
  metric: string;
  horizon_bucket: string;
  wql: number | null;
  mase: number | null;
  coverage_p10_p90: number | null;
  n: number;
}

let dir: string;
const quiet = { out: () => undefined, err: () => undefined };

/**
 * Two and a half days at a ~5 min cadence with jitter and a few dropped rows: a constant server with
 * only cpu and memory measured (unknown name prefix) and a busy one with a daily cycle in all four.
 */
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'backtest-cli-'));
  const header = 'timestamp,server_name,cpu_percent,memory_percent,disk_percent,load_average\n';
  let flat = header;
  let busy = header;
  for (let i = 0; i < 720; i++) {
    const t = T0 + i * 300_000 + ((i * 37) % 60) * 1000; // irregular: 0-59 s late
    if (i % 97 !== 5) flat += `${iso(t)},zz-const-1,42,,,\n`.replace(',,,\n', ',70,,\n');
    const day = Math.sin((2 * Math.PI * i) / 288);
    const cpu = 40 + 25 * day + 3 * Math.sin(i * 1.7);
    busy += `${iso(t)},ppweb-07,${cpu.toFixed(2)},${(60 + 5 * day).toFixed(2)},${(50 + i / 1000).toFixed(3)},${(cpu / 20).toFixed(3)}\n`;
  }
  writeFileSync(join(dir, 'a-flat.csv'), flat);
  writeFileSync(join(dir, 'b-busy.csv'), busy);
});

describe('backtest command', () => {
  it('writes one row per model x metric x horizon bucket, skipping unmeasured metrics', async () => {
    const out = join(dir, 'all.json');
    const lines: string[] = [];
    await runCli(['--data', dir, '--json', out, '--stride', '24'], {
      out: (l) => lines.push(l),
      err: () => undefined,
    });
    const { results } = JSON.parse(readFileSync(out, 'utf8')) as {
      results: Row[];
    };
    const models = ['tft', 'persistence', 'seasonal_naive', 'holt', 'linear_1h'];
    expect([...new Set(results.map((r) => r.model))]).toEqual(models);
    expect([...new Set(results.map((r) => r.horizon_bucket))]).toEqual(['0-30m', '30m-2h', '2h-8h', 'all']);
    expect([...new Set(results.map((r) => r.metric))]).toEqual([
      'cpu_percent',
      'memory_percent',
      'disk_percent',
      'load_average',
      'overall',
    ]);
    expect(results).toHaveLength(models.length * 5 * 4);
    for (const r of results) {
      expect(Object.keys(r).sort()).toEqual(['coverage_p10_p90', 'horizon_bucket', 'mase', 'metric', 'model', 'n', 'wql']);
    }
    // origins 287, 311, ..., 623 (15, the last whose 96 steps fit in 720); floor(0.3 * 15) = 4
    // calibrate the baselines -> 11 scored x 96 steps
    const n = (model: string, metric: string, bucket: string) =>
      results.find((r) => r.model === model && r.metric === metric && r.horizon_bucket === bucket)!.n;
    expect(n('tft', 'load_average', 'all')).toBe(11 * 96); // busy server only
    expect(n('tft', 'load_average', '0-30m')).toBe(11 * 6);
    expect(n('holt', 'cpu_percent', 'all')).toBeLessThanOrEqual(2 * 11 * 96); // minus the dropped rows
    expect(n('holt', 'cpu_percent', 'all')).toBeGreaterThan(2 * 11 * 96 - 20);
    expect(lines.join('\n')).toContain('| cpu_percent | all | tft |');
    const wql = (model: string) => results.find((r) => r.model === model && r.metric === 'cpu_percent' && r.horizon_bucket === 'all')!.wql!;
    for (const m of models) expect(wql(m)).toBeGreaterThan(0);
  });

  it('adds the GIFT-Eval view: each wQL over seasonal naive per series and metric, geometric mean over them', async () => {
    const out = join(dir, 'gift.json');
    const lines: string[] = [];
    await runCli(['--data', join(dir, 'b-busy.csv'), '--json', out, '--stride', '24'], { out: (l) => lines.push(l), err: () => undefined });
    const { results, gift, gift_ratios } = JSON.parse(readFileSync(out, 'utf8')) as {
      results: Row[];
      gift: { model: string; horizon_bucket: string; geometric_mean: number | null; n: number }[];
      gift_ratios: { series: string; metric: string; model: string; horizon_bucket: string; ratio: number }[];
    };
    expect([...new Set(gift.map((g) => g.horizon_bucket))]).toEqual(['0-4h', '0-30m', '30m-2h', '2h-8h']);
    expect([...new Set(gift.map((g) => g.model))]).toEqual(['tft', 'persistence', 'holt', 'linear_1h']);
    // one series: each bucket's ratio is the pooled wQL's ratio, per metric
    const wql = (model: string, metric: string, bucket: string) =>
      results.find((r) => r.model === model && r.metric === metric && r.horizon_bucket === bucket)!.wql!;
    const ratio = (model: string, metric: string, bucket: string) =>
      gift_ratios.find((r) => r.model === model && r.metric === metric && r.horizon_bucket === bucket)!.ratio;
    expect(ratio('tft', 'cpu_percent', '0-30m')).toBeCloseTo(
      wql('tft', 'cpu_percent', '0-30m') / wql('seasonal_naive', 'cpu_percent', '0-30m'),
      10,
    );
    expect(ratio('holt', 'load_average', '2h-8h')).toBeCloseTo(
      wql('holt', 'load_average', '2h-8h') / wql('seasonal_naive', 'load_average', '2h-8h'),
      10,
    );
    // the geometric mean over the four metrics
    const row = gift.find((g) => g.model === 'persistence' && g.horizon_bucket === '30m-2h')!;
    const mine = gift_ratios.filter((r) => r.model === 'persistence' && r.horizon_bucket === '30m-2h');
    expect(row.n).toBe(4);
    expect(row.geometric_mean).toBeCloseTo(Math.exp(mine.reduce((a, r) => a + Math.log(r.ratio), 0) / 4), 10);
    expect(lines.join('\n')).toContain('| model | 0-4h wQL / seasonal naive |');
  });

  it('gives persistence a wQL of 0 and full coverage on a constant series', async () => {
    const out = join(dir, 'flat.json');
    // stride 12: 29 origins, 8 of them calibrate, enough residuals (5) per step for the empirical band
    await runCli(['backtest', '--data', join(dir, 'a-flat.csv'), '--json', out, '--stride', '12'], quiet);
    const { results } = JSON.parse(readFileSync(out, 'utf8')) as {
      results: Row[];
    };
    const persistence = results.filter((r) => r.model === 'persistence');
    expect(persistence.map((r) => r.metric)).toEqual(expect.arrayContaining(['cpu_percent', 'memory_percent']));
    expect(persistence.some((r) => r.metric === 'disk_percent' || r.metric === 'load_average')).toBe(false);
    for (const r of persistence) {
      expect(r.wql).toBe(0);
      expect(r.coverage_p10_p90).toBe(1);
      expect(r.mase).toBeNull(); // flat encoder: the naive scale is 0
      expect(r.n).toBeGreaterThan(0);
    }
    const tft = results.find((r) => r.model === 'tft' && r.metric === 'cpu_percent' && r.horizon_bucket === 'all')!;
    expect(tft.wql).toBeGreaterThanOrEqual(0);
  });

  it('rejects missing or bad arguments with a usage error', async () => {
    await expect(runCli([], quiet)).rejects.toThrow(UsageError);
    await expect(runCli(['--data', dir, '--stride', '0'], quiet)).rejects.toThrow(/--stride must be a positive integer/);
    await expect(runCli(['leadtime', '--data', dir], quiet)).rejects.toThrow(UsageError);
  });
});

describe('leadtime command', () => {
  it('replays a series named in the incidents file and reports every method', async () => {
    const incidents = join(dir, 'incidents.json');
    writeFileSync(
      incidents,
      JSON.stringify({
        'ppweb-07': [iso(T0 + 400 * 300_000)],
        'not-in-data': [iso(T0)],
      }),
    );
    const out = join(dir, 'lead.json');
    await runCli(['leadtime', '--data', dir, '--incidents', incidents, '--json', out, '--stride', '12'], quiet);
    const r = JSON.parse(readFileSync(out, 'utf8')) as {
      incidents: { method: string; series: string }[];
      summary: { method: string; incidents: number }[];
    };
    expect(r.summary.map((s) => s.method)).toEqual(['tft', 'static_threshold', 'linear_1h']);
    expect(r.summary.every((s) => s.incidents === 1)).toBe(true);
    expect(new Set(r.incidents.map((i) => i.series))).toEqual(new Set(['ppweb-07']));
  });
});
