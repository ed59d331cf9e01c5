import { decodeWriteRequest } from '@tft/remote-write';
import { describe, expect, it } from 'vitest';
import { buildShards } from './remote-write';

const T0 = Date.UTC(2026, 10, 29, 12);

describe('remote-write benchmark bodies', () => {
  it('are what a Prometheus queue sends: 2,000 samples each, a host in one shard, each series in time order', () => {
    const shards = buildShards(3, 4, T0);
    const hostShard = new Map<string, number>();
    const lastSample = new Map<string, number>();
    shards.forEach((bodies, shard) => {
      expect(bodies).toHaveLength(4);
      for (const body of bodies) {
        const { timeseries } = decodeWriteRequest(body);
        expect(timeseries.reduce((n, ts) => n + ts.samples.length, 0)).toBe(2000);
        for (const ts of timeseries) {
          const label = (name: string) => ts.labels.find((l) => l.name === name)?.value;
          const host = label('instance') as string;
          expect(hostShard.get(host) ?? shard).toBe(shard);
          hostShard.set(host, shard);
          const key = ts.labels.map((l) => `${l.name}=${l.value}`).join(',');
          const t = ts.samples[0].timestamp;
          expect(t).toBeGreaterThan(lastSample.get(key) ?? -Infinity);
          lastSample.set(key, t);
          if (label('__name__') === 'node_cpu_seconds_total') expect(label('mode')).toBe('idle');
        }
      }
    });
    // 3 shards x 4 requests x 2,000 samples reach every host
    expect(hostShard.size).toBe(500);
  }, 30_000); // builds the whole bench's bodies: seconds on a busy machine

  it('keeps idle counters rising, so every rate is a real one', () => {
    const [bodies] = buildShards(1, 6, T0);
    const idle = new Map<string, number[]>();
    for (const body of bodies) {
      for (const ts of decodeWriteRequest(body).timeseries) {
        if (ts.labels.find((l) => l.name === '__name__')?.value !== 'node_cpu_seconds_total') continue;
        const key = ts.labels.map((l) => l.value).join('|');
        idle.set(key, [...(idle.get(key) ?? []), ts.samples[0].value]);
      }
    }
    for (const values of idle.values()) for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1]);
  });
});
