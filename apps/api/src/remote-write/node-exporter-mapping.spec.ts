import { describe, expect, it } from 'vitest';
import { labelSource, NodeExporterMapping, serverNameOf, type MappedSample } from './node-exporter-mapping';
import type { TimeSeries } from '@tft/remote-write';

const T = Date.UTC(2026, 11, 1, 12) as number;
const STALE = new Float64Array(new Uint32Array([2, 0x7ff00000]).buffer)[0];

function series(name: string, labels: Record<string, string>, samples: [number, number][]): TimeSeries {
  return {
    labels: Object.entries({ __name__: name, ...labels }).map(([n, value]) => ({ name: n, value })),
    samples: samples.map(([timestampMs, value]) => ({ timestamp: timestampMs, value })),
  };
}

const mapping = (serverLabel = 'instance', mountpoint = '/') => new NodeExporterMapping({ serverLabel, mountpoint });

/** The samples as [server, seconds after T, cpu, memory, disk, load] with NaN for missing, rounded. */
const rows = (samples: MappedSample[]) =>
  samples.map((s) => [s.server, (s.timeMs - T) / 1000, ...[...s.values].map((v) => (Number.isNaN(v) ? NaN : Math.round(v * 1000) / 1000))]);

describe('NodeExporterMapping', () => {
  it('derives cpu from idle counters averaged over cores, starting at the second sample', () => {
    const m = mapping();
    const r = m.map([
      // core 0 is 80 % idle, core 1 40 % idle over 15 s
      series('node_cpu_seconds_total', { instance: 'web-1:9100', cpu: '0', mode: 'idle' }, [
        [T, 1000],
        [T + 15_000, 1012],
      ]),
      series('node_cpu_seconds_total', { instance: 'web-1:9100', cpu: '1', mode: 'idle' }, [
        [T, 500],
        [T + 15_000, 506],
      ]),
      series('node_cpu_seconds_total', { instance: 'web-1:9100', cpu: '0', mode: 'user' }, [[T, 10]]),
    ]);
    expect(rows(r.samples)).toEqual([['web-1', 15, 40, NaN, NaN, NaN]]);
    expect([...r.samples[0].weights]).toEqual([2, 0, 0, 0]);
    expect(r.ignoredSeries).toBe(1); // mode="user"
  });

  it('treats a counter that went back (a reboot) as a new baseline, not a negative rate', () => {
    const m = mapping();
    const r = m.map([
      series('node_cpu_seconds_total', { instance: 'db-1', cpu: '0', mode: 'idle' }, [
        [T, 1000],
        [T + 10_000, 1005], // 50 % idle
        [T + 20_000, 3], // reset
        [T + 30_000, 12], // 90 % idle
      ]),
    ]);
    expect(rows(r.samples)).toEqual([
      ['db-1', 10, 50, NaN, NaN, NaN],
      ['db-1', 30, 10, NaN, NaN, NaN],
    ]);
  });

  it('continues a counter across requests and calls re-sent samples duplicates', () => {
    const m = mapping();
    const first = [
      series('node_cpu_seconds_total', { instance: 'db-1', cpu: '0', mode: 'idle' }, [
        [T, 100],
        [T + 10_000, 109],
      ]),
    ];
    expect(rows(m.map(first).samples)).toEqual([['db-1', 10, 10, NaN, NaN, NaN]]);
    const again = m.map(first);
    expect(again.samples).toEqual([]);
    expect(again.duplicates).toBe(2);
    const next = m.map([series('node_cpu_seconds_total', { instance: 'db-1', cpu: '0', mode: 'idle' }, [[T + 20_000, 114]])]);
    expect(rows(next.samples)).toEqual([['db-1', 20, 50, NaN, NaN, NaN]]);
  });

  it('rolls back a request whose store write failed, so that its re-send counts', () => {
    const m = mapping();
    const request = [series('node_load1', { instance: 'db-1' }, [[T, 1.5]])];
    m.map(request).rollback();
    const retry = m.map(request);
    expect(retry.duplicates).toBe(0);
    expect(rows(retry.samples)).toEqual([['db-1', 0, NaN, NaN, NaN, 1.5]]);
  });

  it('computes memory and disk from their ratios, the denominator in any order, other mountpoints ignored', () => {
    const m = mapping('instance', '/var');
    const r = m.map([
      series('node_memory_MemAvailable_bytes', { instance: 'web-1:9100' }, [[T, 6e9]]),
      series('node_memory_MemTotal_bytes', { instance: 'web-1:9100' }, [[T, 8e9]]),
      series('node_filesystem_avail_bytes', { instance: 'web-1:9100', mountpoint: '/var' }, [[T, 30e9]]),
      series('node_filesystem_size_bytes', { instance: 'web-1:9100', mountpoint: '/var' }, [[T, 100e9]]),
      series('node_filesystem_avail_bytes', { instance: 'web-1:9100', mountpoint: '/' }, [[T, 1]]),
      series('node_load1', { instance: 'web-1:9100' }, [[T, 2.25]]),
    ]);
    expect(rows(r.samples)).toEqual([['web-1', 0, NaN, 25, 70, 2.25]]);
    expect(r.ignoredSeries).toBe(1);
  });

  it('leaves a metric that never arrives missing and skips a ratio whose denominator has not come yet', () => {
    const m = mapping();
    const r = m.map([
      series('node_memory_MemAvailable_bytes', { instance: 'web-1' }, [[T, 6e9]]),
      series('node_load1', { instance: 'web-1' }, [[T, 1]]),
    ]);
    expect(rows(r.samples)).toEqual([['web-1', 0, NaN, NaN, NaN, 1]]);
    expect(r.unusable).toBe(1);
    const later = m.map([
      series('node_memory_MemTotal_bytes', { instance: 'web-1' }, [[T + 15_000, 8e9]]),
      series('node_memory_MemAvailable_bytes', { instance: 'web-1' }, [[T + 15_000, 2e9]]),
    ]);
    expect(rows(later.samples)).toEqual([['web-1', 15, NaN, 75, NaN, NaN]]);
  });

  it('ignores stale markers', () => {
    const r = mapping().map([
      series('node_load1', { instance: 'web-1' }, [
        [T, 1],
        [T + 15_000, STALE],
      ]),
    ]);
    expect(r.staleMarkers).toBe(1);
    expect(rows(r.samples)).toEqual([['web-1', 0, NaN, NaN, NaN, 1]]);
  });

  it('takes the recording rules, x 100, and then skips the raw derivation of their metric', () => {
    const m = mapping();
    const r = m.map([
      series('instance:node_cpu_utilisation:rate5m', { instance: 'web-1:9100' }, [[T, 0.423]]),
      series('instance:node_memory_utilisation:ratio', { instance: 'web-1:9100' }, [[T, 0.5]]),
      series('instance:node_filesystem_usage:ratio', { instance: 'web-1:9100', mountpoint: '/' }, [[T, 0.125]]),
      series('node_cpu_seconds_total', { instance: 'web-1:9100', cpu: '0', mode: 'idle' }, [
        [T, 1],
        [T + 10_000, 2],
      ]),
    ]);
    expect(rows(r.samples)).toEqual([['web-1', 0, 42.3, 50, 12.5, NaN]]);
  });

  it('names the server from the chosen label, strips a port, and refuses names the contract refuses', () => {
    expect(serverNameOf('10.0.0.7:9100', labelSource('instance'))).toBe('10.0.0.7');
    expect(serverNameOf('web-1.prod', labelSource('nodename'))).toBe('web-1.prod');
    expect(serverNameOf(undefined, labelSource('instance'))).toEqual({
      reason: 'series without a instance label (REMOTE_WRITE_SERVER_LABEL=instance names the server)',
    });
    expect(serverNameOf('[::1]:9100', labelSource('instance'))).toMatchObject({ reason: expect.stringContaining('"[::1]:9100"') });

    const r = mapping('host').map([
      series('node_load1', { host: 'has space', instance: 'a:9100' }, [[T, 1]]),
      series('node_load1', { host: 'ok-1', instance: 'b:9100' }, [[T, 1]]),
    ]);
    expect(rows(r.samples)).toEqual([['ok-1', 0, NaN, NaN, NaN, 1]]);
    expect(r.rejected).toEqual([{ reason: expect.stringContaining('host="has space" is not a valid server_name'), series: 1 }]);
    expect(r.rejectedSamples).toBe(1);
  });

  it('skips values out of range instead of storing them', () => {
    const r = mapping().map([
      series('node_load1', { instance: 'a' }, [[T, -1]]),
      series('instance:node_memory_utilisation:ratio', { instance: 'a' }, [[T, 1.7]]),
      series('node_load1', { instance: 'b' }, [[T, Number.POSITIVE_INFINITY]]),
    ]);
    expect(r.samples).toEqual([]);
    expect(r.unusable).toBe(3);
  });
});
