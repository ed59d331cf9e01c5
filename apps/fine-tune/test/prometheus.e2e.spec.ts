import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseModelMetadata } from '@tft/forecasting';
// one copy of the stack's launcher: the same that `npm run start:prometheus` and the api's tests use
import { startPrometheusStack } from '../../../tools/prometheus-stack.mjs';
import { runCli } from '../src/lib/cli';
import { BUCKET_TOLERANCE } from '../src/lib/decision';
import { fetchPrometheusHistory } from '../src/lib/history/prometheus';
import { FLEET, SCRAPE_SECONDS, writeOpenMetrics, type HostSample } from './node-exporter-history';

/**
 * Two weeks of a three-host fleet's node_exporter series, backfilled into a TSDB with promtool and
 * served by Debian's prometheus on loopback: the history read back through query_range, and a whole
 * fine-tuning run on it with a budget of seconds.
 */

const DAYS = 14;
const STEP = 300;
/** Pinned: the data and the range asked for do not move with the day the test runs. */
const END = Date.UTC(2026, 10, 27, 18) / 1000;
const START = END - DAYS * 86_400;
const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

interface Stack {
  prometheusUrl: string;
  pids: Record<string, number>;
  stop(): Promise<void>;
  output(): string;
}

interface BacktestRow {
  model: string;
  metric: string;
  horizon_bucket: string;
  wql: number | null;
}

let dir: string;
let stack: Stack | undefined;
let truth: ReturnType<typeof writeOpenMetrics>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fine-tune-prometheus-'));
  const file = join(dir, 'fleet.om');
  truth = writeOpenMetrics(file, START, DAYS);
  const tsdb = join(dir, 'tsdb');
  // one block per week: promtool reads the whole file once per block
  const made = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=168h', file, tsdb], {
    encoding: 'utf8',
  });
  if (made.status !== 0) throw new Error(`promtool failed (${made.status ?? made.error?.message}): ${made.stderr.slice(-2000)}`);
  stack = (await startPrometheusStack({ nodeExporter: false, apiUrl: null, tsdbPath: tsdb })) as Stack;
}, 120_000);

afterAll(async () => {
  await stack?.stop(); // stops prometheus by its PID
  if (stack) expect(() => process.kill(stack?.pids['prometheus'] as number, 0)).toThrow();
  rmSync(dir, { recursive: true, force: true });
});

describe('the fleet history from the real Prometheus', () => {
  it('reads two weeks through query_range in chunks under the point limit, mapped as the remote-write receiver maps node_exporter', async () => {
    const lines: string[] = [];
    const file = join(dir, 'history.csv');
    const h = await fetchPrometheusHistory(
      {
        url: (stack as Stack).prometheusUrl,
        since: START,
        until: END,
        serverLabel: 'instance',
        mountpoint: '/',
        stepSeconds: STEP,
        chunkPoints: 1000, // fewer than the two weeks' steps: several requests per metric, stitched back together
        progress: (l) => lines.push(l),
      },
      file,
    );
    const steps = (DAYS * 86_400) / STEP;
    expect(h.requests).toBe(4 * Math.ceil(steps / 1000));
    expect(h.missing).toEqual([]);
    expect(h.servers).toBe(FLEET.length);
    expect(h.rows).toBe(FLEET.length * steps);

    const rows = readFileSync(file, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('timestamp,server_name,cpu_percent,memory_percent,disk_percent,load_average,profile');
    // each step's row against the scrapes inside it: five a step, the ":9100" port stripped from the name
    const byKey = new Map(rows.slice(1).map((r) => [r.split(',').slice(0, 2).join(','), r.split(',').slice(2, 6).map(Number)]));
    let checked = 0;
    for (const host of FLEET) {
      const { times, samples, idle } = truth.get(host.name) as { times: number[]; samples: HostSample[]; idle: number[][] };
      for (let k = 4; k < times.length; k += 5 * 37) {
        const stepStart = Math.floor(times[k] / STEP) * STEP;
        const inStep = times.map((t, i) => [t, i] as const).filter(([t]) => t >= stepStart && t < stepStart + STEP);
        expect(inStep.length).toBe(STEP / SCRAPE_SECONDS);
        const got = byKey.get(`${iso(stepStart)},${host.name}`) as number[];
        expect(got, `${host.name} at ${iso(stepStart)}`).toBeDefined();
        const mean = (f: (i: number) => number) => inStep.reduce((a, [, i]) => a + f(i), 0) / inStep.length;
        const s = (i: number) => samples[i];
        // rate() over the step: the idle counters' increase from its first to its last scrape
        const first = inStep[0][1];
        const last = inStep[inStep.length - 1][1];
        const seconds = times[last] - times[first];
        const idleShare = idle[last].reduce((a, v, c) => a + (v - idle[first][c]) / seconds, 0) / host.cores;
        expect(got[0]).toBeCloseTo(100 * (1 - idleShare), 2);
        expect(got[1]).toBeCloseTo(
          mean((i) => s(i).memory),
          2,
        );
        expect(got[2]).toBeCloseTo(
          mean((i) => s(i).disk),
          2,
        );
        expect(got[3]).toBeCloseTo(
          mean((i) => s(i).load),
          2,
        );
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(lines.filter((l) => l.includes('prometheus:')).length).toBe(Math.ceil(steps / 1000));
  });

  it('fine-tunes on it with a budget of seconds; the printed table is the backtest of both models, and the version is written exactly when the rule says so', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const models = join(dir, 'models');
    const work = join(dir, 'work');
    const result = await runCli(
      [
        '--fine-tune',
        '--from-prometheus',
        (stack as Stack).prometheusUrl,
        '--since',
        iso(START),
        '--until',
        iso(END),
        '--budget',
        '6s',
        '--stride',
        '24',
        '--out',
        join(models, '3.0.1'),
        '--work',
        work,
      ],
      { out: (l) => out.push(l), err: (l) => err.push(l) },
    );
    const printed = out.join('\n');

    // progress: the base model's loss first, then steps with their loss and the time left
    expect(err.join('\n')).toMatch(/step {5}0 \| val \d+\.\d{4} \*/);
    expect(err.join('\n')).toMatch(/best val loss \d+\.\d{4} at step \d+/);

    // the comparison is the backtest's own rows for the two models on the held-out file
    const rows = (role: string) =>
      (JSON.parse(readFileSync(join(work, `backtest-${role}.json`), 'utf8')) as { results: BacktestRow[] }).results.filter(
        (r) => r.model === 'tft' && r.metric === 'overall',
      );
    const champion = rows('champion');
    const challenger = rows('challenger');
    const wql = (rs: BacktestRow[], bucket: string) => rs.find((r) => r.horizon_bucket === bucket)?.wql as number;
    const buckets = ['0-30m', '30m-2h', '2h-8h', 'all'];
    for (const b of buckets) {
      expect(wql(champion, b)).toBeGreaterThan(0);
      expect(wql(challenger, b)).toBeGreaterThan(0);
      const line = printed.split('\n').find((l) => l.startsWith(`| ${b} |`)) as string;
      expect(line, b).toContain(`| ${wql(champion, b).toFixed(4)} | ${wql(challenger, b).toFixed(4)} |`);
    }
    // the rule, applied here to the backtest's figures
    const change = (b: string) => (wql(challenger, b) - wql(champion, b)) / wql(champion, b);
    const wins = change('all') < 0 && buckets.slice(0, 3).every((b) => change(b) <= BUCKET_TOLERANCE);
    expect(result?.decision.write).toBe(wins);
    expect(existsSync(join(models, '3.0.1'))).toBe(wins);
    const report = JSON.parse(readFileSync(join(work, 'report.json'), 'utf8')) as { written: string | null; split: { cut: number } };
    // the held-out part is the most recent 20 %, and the training file ends before it
    expect(report.split.cut).toBe(END - Math.round(((DAYS * 86_400) / STEP) * 0.2) * STEP);
    const trainingRows = readFileSync(join(work, 'training.csv'), 'utf8').trim().split('\n').slice(1);
    expect(Math.max(...trainingRows.map((r) => Date.parse(r.split(',')[0]) / 1000))).toBe(report.split.cut - STEP);
    if (wins) {
      expect(printed).toContain('Written:');
      expect(printed).toMatch(/watch|POST \/model\/reload/);
      const meta = parseModelMetadata(JSON.parse(readFileSync(join(models, '3.0.1', 'metadata.json'), 'utf8')));
      expect(meta.version).toBe('3.0.1');
      const card = readFileSync(join(models, '3.0.1', 'MODEL_CARD.md'), 'utf8');
      expect(card).toContain(`| all | ${wql(champion, 'all').toFixed(4)} | ${wql(challenger, 'all').toFixed(4)} |`);
      expect(card).toContain('Time taken');
    } else {
      expect(printed).toContain('Not written:');
      expect(report.written).toBeNull();
    }
    expect(printed).toMatch(/Time taken: \d+ s/);
  });

  it('names what failed: an unreachable URL, a 401, no data in the range', async () => {
    const o = { since: START, until: END, serverLabel: 'instance', mountpoint: '/', stepSeconds: STEP };
    const refused: Server = createServer((_, res) => res.writeHead(401, { 'www-authenticate': 'Basic' }).end('Unauthorized'));
    await new Promise<void>((r) => refused.listen(0, '127.0.0.1', r));
    const refusedUrl = `http://127.0.0.1:${(refused.address() as { port: number }).port}`;
    await expect(fetchPrometheusHistory({ ...o, url: refusedUrl }, join(dir, 'x.csv'))).rejects.toThrow(
      `Prometheus at ${refusedUrl} answered 401 Unauthorized to /api/v1/query_range: it wants credentials`,
    );
    await new Promise((r) => refused.close(r));
    // the same port, now closed
    await expect(fetchPrometheusHistory({ ...o, url: refusedUrl }, join(dir, 'x.csv'))).rejects.toThrow(
      `cannot reach Prometheus at ${refusedUrl}: ECONNREFUSED`,
    );
    await expect(
      fetchPrometheusHistory(
        { ...o, url: (stack as Stack).prometheusUrl, since: START - 30 * 86_400, until: START - 20 * 86_400 },
        join(dir, 'x.csv'),
      ),
    ).rejects.toThrow(/has no node_exporter data between .* with a valid instance label/);
  });
});
