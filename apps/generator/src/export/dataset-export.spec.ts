import { describe, expect, it } from 'vitest';
import { DEFAULT_EXPORT_START, exportDataset, validateExportOptions, type ExportOptions } from './dataset-export';
import { runExportCommand } from './export-command';

const options = (over: Partial<ExportOptions> = {}): ExportOptions => ({
  servers: 6,
  hours: 6,
  seed: 7,
  start: DEFAULT_EXPORT_START,
  stepSeconds: 300,
  sampleSeconds: 5,
  scenario: 'healthy',
  scenarioAtHours: 0,
  scenarioRampMinutes: 10,
  affectedShare: 0.15,
  ...over,
});

function csv(o: ExportOptions): string {
  let text = '';
  exportDataset(o, (chunk) => (text += chunk));
  return text;
}

describe('exportDataset', () => {
  it('writes the contract columns plus labels, byte-identical for a seed', () => {
    const a = csv(options());
    expect(a).toBe(csv(options()));
    expect(a).not.toBe(csv(options({ seed: 8 })));
    const [header, first] = a.split('\n');
    expect(header).toBe('timestamp,server_name,cpu_percent,memory_percent,disk_percent,load_average,status,profile,scenario,incident');
    expect(first).toMatch(/^2025-01-06T00:00:00Z,ppml0001,\d+\.\d{3},\d+\.\d{3},\d+\.\d{3},\d+\.\d{3},[a-z_]+,ml_compute,healthy,[01]$/);
  });

  it('puts one row per server and step, on the step grid, strictly increasing per server', () => {
    const rows = csv(options())
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const last = new Map<string, number>();
    for (const [ts, server, cpu, mem, disk, load] of rows) {
      const t = Date.parse(ts) / 1000;
      expect(t % 300).toBe(0);
      expect(t).toBeGreaterThan(last.get(server) ?? -Infinity);
      last.set(server, t);
      for (const pct of [cpu, mem, disk].map(Number)) expect(pct >= 0 && pct <= 100).toBe(true);
      expect(Number(load)).toBeGreaterThanOrEqual(0);
    }
    expect(last.size).toBe(6);
    // 6 h = 72 steps per server, minus any offline steps (rare in 6 hours)
    expect(rows.length).toBeGreaterThan(6 * 72 * 0.95);
    expect(rows.length).toBeLessThanOrEqual(6 * 72);
  });

  it('averages the samples of a step: a 300 s row is the mean of its sixty 5 s samples', () => {
    const fine = csv(options({ hours: 1, stepSeconds: 5 }))
      .trim()
      .split('\n')
      .slice(1);
    const coarse = csv(options({ hours: 1 }))
      .trim()
      .split('\n')
      .slice(1);
    const cpuOf = (lines: string[], server: string, from: string, to: string) =>
      lines
        .map((l) => l.split(','))
        .filter(([ts, s]) => s === server && ts >= from && ts < to)
        .map((f) => Number(f[2]));
    const samples = cpuOf(fine, 'ppdb0001', '2025-01-06T00:05:00Z', '2025-01-06T00:10:00Z');
    expect(samples).toHaveLength(60);
    const mean = samples.reduce((a, b) => a + b) / 60;
    const row = cpuOf(coarse, 'ppdb0001', '2025-01-06T00:05:00Z', '2025-01-06T00:05:01Z');
    expect(row[0]).toBeCloseTo(mean, 2);
  });

  it('labels the affected servers with the scenario once it starts', () => {
    const rows = csv(
      options({
        servers: 20,
        hours: 2,
        scenario: 'critical',
        scenarioAtHours: 1,
      }),
    )
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const labelled = rows.filter((r) => r[8] === 'critical');
    expect(new Set(labelled.map((r) => r[1])).size).toBe(3);
    expect(labelled.every((r) => r[0] >= '2025-01-06T01:00:00Z')).toBe(true);
  });

  it('names every invalid option', () => {
    expect(validateExportOptions(options({ servers: 0, hours: -1, stepSeconds: 7 }))).toEqual([
      'servers must be an integer in 1..100000 (got 0)',
      'hours must be in (0, 43920] (got -1)',
      'step-seconds must be a multiple of sample-seconds',
    ]);
    expect(validateExportOptions(options())).toEqual([]);
    expect(validateExportOptions(options({ start: Number.NaN }))).toEqual([
      'start must be an ISO 8601 date-time with a zone, like 2025-01-06T00:00:00Z',
    ]);
  });

  it('reads --start by the daemon rule: a date-time without a zone is refused, not read as local time', () => {
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (errors.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      expect(runExportCommand(['--out', '/dev/null', '--start', '2025-01-06T00:00:00'])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(errors.join('')).toContain('start must be an ISO 8601 date-time with a zone');
  });
});
