import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatReport } from './bench-report';
import { parseBenchReport, renderBenchmarks } from './render-benchmarks';

const fixture = readFileSync(join(__dirname, 'fixtures', 'bench-report.json'), 'utf8');
const rowOf = (md: string, figure: string) =>
  md
    .split('\n')
    .find((l) => l.startsWith(`| ${figure}`))
    ?.split(/(?<!\\)\|/)
    .slice(1, -1)
    .map((c) => c.trim());

describe('renderBenchmarks', () => {
  const md = renderBenchmarks(parseBenchReport(fixture, 'fixture'));

  it('heads the entry with the UTC date, model and machine, and says how the run was made', () => {
    const [heading, blank, how] = md.split('\n');
    expect(heading).toBe('### 2026-11-28: model 1.2.0, 2 cpus (AMD EPYC 7B13)');
    expect(blank).toBe('');
    expect(how).toBe(
      '`npm run bench -- --only inference,ingest,tick --json bench.json`, 215 s; Node v20.20.2, onnxruntime-node 1.30.0, torch 1.13.1, linux-x64; load average 1.92 / 2.05 / 1.81 at the start.',
    );
  });

  it('gives every figure of the parts that ran with its target and verdict', () => {
    expect(md).toContain('| figure ');
    expect(rowOf(md, 'inference: forecasts/s')).toEqual([
      'inference: forecasts/s, batch 1,000, best onnxruntime options',
      '1,884',
      '>= 10,000',
      'FAIL',
    ]);
    expect(rowOf(md, 'inference: onnxruntime / PyTorch eager')).toEqual([
      'inference: onnxruntime / PyTorch eager',
      '2.70x',
      '>= 5x',
      'FAIL',
    ]);
    expect(rowOf(md, 'inference: ms per call, batch 100 ')).toEqual(['inference: ms per call, batch 100', '59', '', '']);
    expect(rowOf(md, 'inference: ms per call, batch 10,000')).toEqual(['inference: ms per call, batch 10,000', 'n/a (skipped)', '', '']);
    expect(rowOf(md, 'ingest:')).toEqual(['ingest: records/s stored, 1,000-record POSTs, 8 conn., durable', '52,241', '>= 50,000', 'pass']);
    expect(rowOf(md, 'tick:')).toEqual(['tick: step closed -> new forecast served (FORECAST_INTERVAL_S=5)', '79 ms', '', '']);
    expect(md).not.toContain('/predictions/current');
    expect(md).not.toContain('api RSS');
  });

  it('escapes the pipes inside a figure name, so the table keeps its columns', () => {
    const line = md.split('\n').find((l) => l.includes('max \\|onnxruntime - torch\\|'));
    expect(line).toBeDefined();
    expect(line?.split(/(?<!\\)\|/)).toHaveLength(6);
    expect(rowOf(md, 'inference: max')?.[1]).toBe('7.6e-4');
  });

  it('uses the rows the bench prints', () => {
    const printed = formatReport(parseBenchReport(fixture, 'fixture'));
    expect(printed).toContain('| ingest: records/s stored, 1,000-record POSTs, 8 conn., durable');
    expect(printed).toContain('52,241');
  });

  it("gives the side-by-side ratios against the previous model (no slower) and the runner's overhead (at most 15 %)", () => {
    const report = JSON.parse(fixture);
    const rate = (model: number, baseline: number) => ({
      model_servers_per_second: model,
      baseline_servers_per_second: baseline,
      ratio: +(model / baseline).toFixed(2),
      model_times_ms: [],
      baseline_times_ms: [],
    });
    report.inference.side_by_side = {
      model_version: '2.0.0',
      baseline_version: '1.2.0',
      batch: 1000,
      threads: 2,
      config: '2t sequential all mem:off',
      rounds: 10,
      onnxruntime: rate(7200, 2100),
      runner: rate(5000, 1800),
      runner_overhead: { onnxruntime_ms: 100, runner_ms: 118.4, overhead: 0.184 },
    };
    const withBaseline = renderBenchmarks(parseBenchReport(JSON.stringify(report), 'side by side'));
    expect(rowOf(withBaseline, 'inference: onnxruntime forecasts/s 2.0.0 vs 1.2.0')).toEqual([
      'inference: onnxruntime forecasts/s 2.0.0 vs 1.2.0 (batch 1,000, 2 threads, alternating)',
      '7,200 / 2,100 = 3.43x',
      '',
      '',
    ]);
    expect(rowOf(withBaseline, 'inference: TftRunner.forecast() forecasts/s 2.0.0')?.slice(1)).toEqual([
      '5,000 / 1,800 = 2.78x',
      '>= 1x',
      'pass',
    ]);
    expect(rowOf(withBaseline, 'inference: TftRunner.forecast() overhead over onnxruntime, 2.0.0')?.slice(1)).toEqual([
      '118.4 / 100.0 ms = +18.4 %',
      '<= 15 %',
      'FAIL',
    ]);
    expect(md).not.toContain(' vs 1.2.0');
  });

  it('marks a --quick run as not for quoting and names the command that made it', () => {
    const quick = renderBenchmarks(
      parseBenchReport(
        JSON.stringify({
          ...JSON.parse(fixture),
          quick: true,
          parts: ['inference', 'ingest', 'remote-write', 'predictions', 'memory', 'tick', 'fleet-reads'],
        }),
        'quick',
      ),
    );
    expect(quick).toContain('`npm run bench -- --quick --json bench.json`');
    expect(quick).toContain('With `--quick`: a sanity run, not figures to quote.');
  });
});

describe('the archive part in a report', () => {
  const archive = {
    servers: 50,
    days: 1,
    steps_per_server: 288,
    fill: { records: 14450, seconds: 0.3, records_per_second: 55170 },
    archive: { rows: 14400, file_bytes: 454656, bytes_per_row: 31.6, bytes_per_server_day: 9093 },
    exports: [
      {
        encoding: 'identity',
        rows: 14400,
        bytes: 953882,
        seconds: 0.05,
        rows_per_second: 307999,
        megabytes_per_second: 19.5,
        rss_mb_before: 183.7,
        rss_mb_peak_increase: 0.4,
        heap_mb_before: 31.8,
        heap_mb_peak_increase: 2.7,
      },
    ],
  };
  const report = parseBenchReport(JSON.stringify({ ...JSON.parse(fixture), parts: ['archive'], archive }), 'archive');

  it('names the sizes it ran with and gives its figures', () => {
    const md = renderBenchmarks(report);
    expect(md).toContain('`npm run bench -- --only archive --archive-servers 50 --archive-days 1 --json bench.json`');
    expect(rowOf(md, 'archive: disk per server and day')).toEqual([
      'archive: disk per server and day (SQLite, 50 servers x 1 day)',
      '8.9 KB (31.6 B a step)',
      '',
      '',
    ]);
    expect(rowOf(md, 'archive: api RSS / V8 heap increase at the peak of the identity export')?.[1]).toBe('0.4 / 2.7 MB');
    expect(formatReport(report)).toContain(
      '| identity | 14,400 | 0.9            | 0.1 | 307,999 | 19.5 | 184        | 0.4        | 32          | 2.7         |',
    );
  });
});

describe('parseBenchReport', () => {
  it('names the file and what is missing when it is not the bench output', () => {
    expect(() => parseBenchReport('{"date": "yesterday"', 'x.json')).toThrow(/^x\.json is not JSON/);
    expect(() => parseBenchReport('{"date": "yesterday", "parts": []}', 'x.json')).toThrow(
      'x.json is not the output of `npm run bench -- --json` (no valid date, machine, model_version)',
    );
    expect(() => parseBenchReport('null', 'x.json')).toThrow(/no valid date, parts, machine, model_version/);
  });
});
