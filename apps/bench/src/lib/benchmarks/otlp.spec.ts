import { gunzipSync } from 'node:zlib';
import { decodeMetricsProtobuf, Temporality } from '@tft/otlp';
import { describe, expect, it } from 'vitest';
import { buildOtlpShards, MAX_POINTS_PER_REQUEST } from './otlp';

const T0 = Date.UTC(2026, 10, 29, 12);

describe('OTLP benchmark bodies', () => {
  it("are what a Collector's otlphttp exporter sends: gzip protobuf, whole hosts up to 2,000 points, a host in one shard, time rising", () => {
    const shards = buildOtlpShards(2, 5, T0);
    const hostShard = new Map<string, number>();
    const lastTime = new Map<string, number>();
    shards.forEach((bodies, shard) => {
      expect(bodies).toHaveLength(5);
      for (const body of bodies) {
        const request = decodeMetricsProtobuf(gunzipSync(body));
        let points = 0;
        for (const r of request.resourceMetrics) {
          const host = r.resource?.attributes.find((a) => a.key === 'host.name')?.value?.stringValue as string;
          expect(hostShard.get(host) ?? shard).toBe(shard);
          hostShard.set(host, shard);
          const metrics = r.scopeMetrics.flatMap((s) => s.metrics);
          expect(metrics.map((m) => m.name)).toEqual([
            'system.cpu.time',
            'system.memory.usage',
            'system.filesystem.usage',
            'system.cpu.load_average.1m',
          ]);
          expect(metrics[0].sum?.aggregationTemporality).toBe(Temporality.CUMULATIVE);
          const hostPoints = metrics.flatMap((m) => (m.sum ?? m.gauge)?.dataPoints ?? []);
          points += hostPoints.length;
          const t = hostPoints[0].timeUnixNano;
          expect(t).toBeGreaterThan(lastTime.get(host) ?? -Infinity);
          lastTime.set(host, t);
        }
        expect(points).toBeLessThanOrEqual(MAX_POINTS_PER_REQUEST);
        expect(points).toBeGreaterThan(MAX_POINTS_PER_REQUEST - 14);
      }
    });
    expect(hostShard.size).toBe(500);
  }, 30_000);
});
