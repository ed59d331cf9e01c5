import { describe, expect, it } from 'vitest';
import { decodeLogged, encodeBatch, encodeSeriesBatch } from './sample-batch';

describe('a batch as the metrics log stores it', () => {
  it('round-trips full and partial samples, missing values and weights included', () => {
    const samples = [
      { index: 7, server: 'ppdb0001', profile: 'database', time: 1_780_000_000, values: [12.5, 60, 40, 1.25] },
      {
        index: 9,
        server: 'node-a:9100',
        profile: null,
        time: 1_780_000_015.5,
        values: Float64Array.of(3, Number.NaN, 71.5, Number.NaN),
        weights: Uint32Array.of(1, 0, 1, 0),
      },
    ];
    const back = (decodeLogged(encodeBatch(samples)) as { samples: unknown[] }).samples;
    expect(back).toEqual([
      { index: 0, server: 'ppdb0001', profile: 'database', time: 1_780_000_000, values: [12.5, 60, 40, 1.25] },
      {
        index: 1,
        server: 'node-a:9100',
        profile: null,
        time: 1_780_000_015.5,
        values: [3, Number.NaN, 71.5, Number.NaN],
        weights: Uint32Array.of(1, 0, 1, 0),
      },
    ]);
  });

  it('is the same bytes for the same samples, so a retried request gets the same message id', () => {
    const s = [{ index: 0, server: 'ppweb0001', profile: null, time: 1_780_000_000, values: [1, 2, 3, 4] }];
    expect(Buffer.from(encodeBatch(s)).equals(Buffer.from(encodeBatch([{ ...s[0], index: 5 }])))).toBe(true);
  });

  it('carries classified series to their owner with the route that received them, stale markers and infinities included', () => {
    const series = [
      {
        server: 'node-a',
        key: 'node_cpu_seconds_total/0',
        role: 'idle' as const,
        samples: [
          { timestamp: 1_780_000_000_000, value: 1234.5 },
          { timestamp: 1_780_000_015_000, value: Number.NaN },
        ],
      },
      { server: 'node-a', key: 'node_load1', role: 'load1' as const, samples: [{ timestamp: 1_780_000_000_000, value: Infinity }] },
    ];
    expect(decodeLogged(encodeSeriesBatch(series, '/api/v1/write'))).toEqual({ series, route: '/api/v1/write' });
    expect(decodeLogged(encodeSeriesBatch(series, '/v1/metrics'))).toEqual({ series, route: '/v1/metrics' });
    // a batch logged before the route travelled with it came from remote write
    expect(decodeLogged(Buffer.from(JSON.stringify({ series: [] })))).toEqual({ series: [], route: '/api/v1/write' });
    const samples = [{ index: 0, server: 'ppweb0001', profile: null, time: 1_780_000_000, values: [1, 2, 3, 4] }];
    expect(decodeLogged(encodeBatch(samples))).toEqual({ samples });
  });
});
