import { RECEIVED_SERIES } from '@tft/remote-write';
import { describe, expect, it } from 'vitest';
import { historyQueries, MAX_POINTS_PER_SERIES, splitRange } from './prometheus';

describe('splitRange: query_range calls under the points limit', () => {
  it('cuts the evaluation times into consecutive ranges of at most maxPoints points, both ends included', () => {
    expect(splitRange(0, 2700, 300, 4)).toEqual([
      [0, 900],
      [1200, 2100],
      [2400, 2700],
    ]);
    expect(splitRange(600, 600, 300, 4)).toEqual([[600, 600]]);
    // two weeks at 300 s in one range would be 4,033 points: fine for Prometheus, cut only when asked
    const day = splitRange(0, 14 * 86_400, 300, MAX_POINTS_PER_SERIES);
    expect(day).toEqual([[0, 14 * 86_400]]);
    const long = splitRange(0, 60 * 86_400, 300, MAX_POINTS_PER_SERIES);
    expect(long.length).toBe(2);
    for (const [a, b] of long) expect((b - a) / 300 + 1).toBeLessThanOrEqual(MAX_POINTS_PER_SERIES);
    expect(long[1][0]).toBe(long[0][1] + 300);
    expect(() => splitRange(0, 300, 300, 0)).toThrow('maxPoints must be a positive integer');
  });
});

describe('historyQueries: the remote-write receiver mapping as PromQL', () => {
  const q = historyQueries({ serverLabel: 'instance', mountpoint: '/', stepSeconds: 300 });

  it('derives each metric from the series of the receiver table, recorded rules first', () => {
    expect(q.cpu_percent).toBe(
      '100 * avg by (instance) (avg_over_time(instance:node_cpu_utilisation:rate5m[300s])) or ' +
        '100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[300s])))',
    );
    expect(q.memory_percent).toBe(
      '100 * avg by (instance) (avg_over_time(instance:node_memory_utilisation:ratio[300s])) or 100 * (1 - ' +
        'avg by (instance) (avg_over_time(node_memory_MemAvailable_bytes[300s])) / avg by (instance) (avg_over_time(node_memory_MemTotal_bytes[300s])))',
    );
    expect(q.load_average).toBe('avg by (instance) (avg_over_time(node_load1[300s]))');
    // every series of the table is read by one of the queries
    for (const s of RECEIVED_SERIES) expect(Object.values(q).join(' ')).toContain(s.name);
  });

  it('reads the filesystem at the configured mountpoint under the configured server label', () => {
    const d = historyQueries({ serverLabel: 'host', mountpoint: '/data', stepSeconds: 60 }).disk_percent;
    expect(d).toContain('avg by (host) (avg_over_time(node_filesystem_avail_bytes{mountpoint="/data"}[60s]))');
    expect(d).toContain('instance:node_filesystem_usage:ratio{mountpoint="/data"}[60s]');
  });
});
