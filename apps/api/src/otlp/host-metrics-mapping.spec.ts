import { describe, expect, it } from 'vitest';
import { decodeMetricsJson, decodeMetricsProtobuf, encodeMetricsProtobuf, NO_RECORDED_VALUE, Temporality } from '@tft/otlp';
import { NodeExporterMapping, type MappedSample } from '../remote-write/node-exporter-mapping';
import { classifyMetrics } from './host-metrics-mapping';

const T = Date.UTC(2026, 11, 1, 12);
const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);

type Attrs = Record<string, string | number>;
const attributes = (attrs: Attrs) =>
  Object.entries(attrs).map(([key, v]) => ({ key, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v } }));

/** An OTLP/JSON number point. */
const point = (ms: number, value: number, attrs: Attrs = {}, extra: Record<string, unknown> = {}) => ({
  timeUnixNano: ns(ms),
  asDouble: value,
  attributes: attributes(attrs),
  ...extra,
});

const gauge = (name: string, points: unknown[]) => ({ name, gauge: { dataPoints: points } });
const sum = (name: string, points: unknown[], temporality: number = Temporality.CUMULATIVE, isMonotonic = true) => ({
  name,
  sum: { dataPoints: points, aggregationTemporality: temporality, isMonotonic },
});

/** One request (OTLP/JSON) from hosts, each with its resource attributes and metrics. */
const request = (...hosts: { resource: Attrs; metrics: unknown[] }[]) =>
  decodeMetricsJson({
    resourceMetrics: hosts.map((h) => ({ resource: { attributes: attributes(h.resource) }, scopeMetrics: [{ metrics: h.metrics }] })),
  });

const host = (name: string, ...metrics: unknown[]) => ({ resource: { 'host.name': name, 'os.type': 'linux' }, metrics });

const OPTIONS = { hostAttribute: 'host.name', mountpoint: '/' };

/** Classified and derived as the receiver does, against one mapping's host state. */
function mapped(mapping: NodeExporterMapping, req: ReturnType<typeof request>, options = OPTIONS) {
  const classified = classifyMetrics(req, options);
  return { ...classified, ...mapping.derive(classified.series) };
}

const newMapping = () => new NodeExporterMapping({ serverLabel: 'instance', mountpoint: '/' });

/** The samples as [server, seconds after T, cpu, memory, disk, load] with NaN for missing, rounded. */
const rows = (samples: MappedSample[]) =>
  samples.map((s) => [s.server, (s.timeMs - T) / 1000, ...[...s.values].map((v) => (Number.isNaN(v) ? NaN : Math.round(v * 1000) / 1000))]);

/** The Collector's cpu time for two cores: idle seconds given, one other state beside each. */
const cpuTime = (ms: number, idle0: number, idle1: number, temporality: number = Temporality.CUMULATIVE, extra = {}) =>
  sum(
    'system.cpu.time',
    [
      point(ms, idle0, { cpu: 'cpu0', state: 'idle' }, extra),
      point(ms, 5, { cpu: 'cpu0', state: 'user' }, extra),
      point(ms, idle1, { cpu: 'cpu1', state: 'idle' }, extra),
      point(ms, 7, { cpu: 'cpu1', state: 'user' }, extra),
    ],
    temporality,
  );

describe('OTLP host metrics mapping', () => {
  it('derives cpu from cumulative system.cpu.time: idle seconds per second per cpu, averaged, from the second request on', () => {
    const m = newMapping();
    const first = mapped(m, request(host('web-1', cpuTime(T, 1000, 500))));
    expect(first.samples).toEqual([]); // a baseline only
    expect(first.ignoredSeries).toBe(2); // the user state
    // over 10 s: cpu0 8 s idle (20 % busy), cpu1 4 s idle (60 % busy)
    const second = mapped(m, request(host('web-1', cpuTime(T + 10_000, 1008, 504))));
    expect(rows(second.samples)).toEqual([['web-1', 10, 40, NaN, NaN, NaN]]);
    expect([...second.samples[0].weights]).toEqual([2, 0, 0, 0]);
    // the same request again changes nothing
    expect(mapped(m, request(host('web-1', cpuTime(T + 10_000, 1008, 504)))).duplicates).toBe(2);
  });

  it('reads the semantic-conventions attribute names of the JS host-metrics package too', () => {
    const m = newMapping();
    const time = (ms: number, idle: number) =>
      sum('system.cpu.time', [point(ms, idle, { 'system.cpu.logical_number': 0, 'system.cpu.state': 'idle' })]);
    mapped(m, request(host('web-1', time(T, 100))));
    expect(rows(mapped(m, request(host('web-1', time(T + 5_000, 104)))).samples)).toEqual([['web-1', 5, 20, NaN, NaN, NaN]]);
  });

  it('converts delta system.cpu.time with its own interval, needing no earlier point', () => {
    const m = newMapping();
    const r = mapped(m, request(host('web-1', cpuTime(T, 8, 4, Temporality.DELTA, { startTimeUnixNano: ns(T - 10_000) }))));
    expect(rows(r.samples)).toEqual([['web-1', 0, 40, NaN, NaN, NaN]]);
    const noStart = classifyMetrics(request(host('web-1', cpuTime(T, 8, 4, Temporality.DELTA))), OPTIONS);
    expect(noStart.series).toEqual([]);
    expect(noStart.rejected).toEqual([
      { reason: 'system.cpu.time: delta data point without a start_time_unix_nano before its time', series: 2 },
    ]);
    expect(noStart.rejectedSamples).toBe(2);
  });

  it('derives memory as used / the sum of states, and disk as 1 - free / the sum of states of the configured mountpoint', () => {
    const m = newMapping();
    const memory = sum(
      'system.memory.usage',
      [
        point(T, 6e9, { state: 'used' }),
        point(T, 1e9, { state: 'free' }),
        point(T, 2e9, { state: 'cached' }),
        point(T, 1e9, { state: 'buffered' }),
      ],
      Temporality.CUMULATIVE,
      false,
    );
    const filesystem = sum(
      'system.filesystem.usage',
      [
        point(T, 70, { device: '/dev/sda1', mountpoint: '/', type: 'ext4', mode: 'rw', state: 'used' }),
        point(T, 25, { device: '/dev/sda1', mountpoint: '/', type: 'ext4', mode: 'rw', state: 'free' }),
        point(T, 5, { device: '/dev/sda1', mountpoint: '/', type: 'ext4', mode: 'rw', state: 'reserved' }),
        point(T, 1, { device: '/dev/sdb1', mountpoint: '/data', type: 'ext4', mode: 'rw', state: 'used' }),
        point(T, 99, { device: '/dev/sdb1', mountpoint: '/data', type: 'ext4', mode: 'rw', state: 'free' }),
      ],
      Temporality.CUMULATIVE,
      false,
    );
    const load = gauge('system.cpu.load_average.1m', [point(T, 2.5)]);
    const r = mapped(m, request(host('db-1', memory, filesystem, load, gauge('system.cpu.load_average.5m', [point(T, 2)]))));
    expect(rows(r.samples)).toEqual([['db-1', 0, NaN, 60, 75, 2.5]]);
    expect(r.ignoredSeries).toBe(3); // /data's two points and the 5-minute load

    const data = mapped(newMapping(), request(host('db-1', filesystem)), { ...OPTIONS, mountpoint: '/data' });
    expect(rows(data.samples)).toEqual([['db-1', 0, NaN, NaN, 1, NaN]]);
  });

  it('lets the *.utilization gauges win over usage and time for their metric on that host', () => {
    const m = newMapping();
    const utilization = (ms: number) => [
      gauge('system.cpu.utilization', [
        point(ms, 0.9, { cpu: 'cpu0', state: 'idle' }),
        point(ms, 0.1, { cpu: 'cpu0', state: 'user' }),
        point(ms, 0.7, { cpu: 'cpu1', state: 'idle' }),
      ]),
      gauge('system.memory.utilization', [point(ms, 0.25, { state: 'used' }), point(ms, 0.75, { state: 'free' })]),
      gauge('system.filesystem.utilization', [point(ms, 0.5, { device: '/dev/sda1', mountpoint: '/' })]),
      sum('system.memory.usage', [point(ms, 9, { state: 'used' }), point(ms, 1, { state: 'free' })], Temporality.CUMULATIVE, false),
    ];
    mapped(m, request(host('app-1', cpuTime(T, 1000, 500), ...utilization(T))));
    const r = mapped(m, request(host('app-1', cpuTime(T + 10_000, 1001, 501), ...utilization(T + 10_000))));
    // cpu from utilization (10 % and 30 % busy), not from time (90 % busy); memory 25 %, not 90 %
    expect(rows(r.samples)).toEqual([['app-1', 10, 20, 25, 50, NaN]]);
  });

  it('refuses points with a reason each and keeps the good points beside them', () => {
    const req = request(
      { resource: { 'service.name': 'checkout' }, metrics: [gauge('system.cpu.load_average.1m', [point(T, 1)])] },
      host('bad name!', gauge('system.cpu.load_average.1m', [point(T, 1)])),
      host(
        'web-2',
        sum('system.cpu.time', [point(T, 5, { cpu: 'cpu0', state: 'idle' })], Temporality.UNSPECIFIED),
        sum('system.memory.usage', [point(T, 5, { state: 'used' })], Temporality.DELTA, false),
        gauge('system.memory.usage', [point(T, 5, { state: 'used' })]),
        { name: 'system.cpu.load_average.1m', histogram: { dataPoints: [{ timeUnixNano: ns(T), count: '1' }] } },
        gauge('system.cpu.load_average.1m', [{ asDouble: 3, attributes: [] }, point(T, 0.5)]),
        { name: 'my.histogram', histogram: { dataPoints: [{ timeUnixNano: ns(T), count: '1' }] } },
      ),
    );
    const classified = classifyMetrics(req, OPTIONS);
    expect(classified.rejected).toEqual([
      { reason: 'resource without a host.name attribute (OTLP_HOST_ATTRIBUTE=host.name names the server)', series: 1 },
      {
        reason:
          'host.name="bad name!" is not a valid server_name (letters, digits and . _ : - , at most 128, starting with a letter or digit)',
        series: 1,
      },
      {
        reason:
          'system.cpu.time has unspecified temporality: send it cumulative (the default of the Collector and the SDKs; drop a cumulativetodelta processor)',
        series: 1,
      },
      {
        reason:
          'system.memory.usage has delta temporality: send it cumulative (the default of the Collector and the SDKs; drop a cumulativetodelta processor)',
        series: 1,
      },
      { reason: 'system.memory.usage needs the used state and the others beside it (the share is used / the sum of states)', series: 1 },
      { reason: 'system.cpu.load_average.1m is a histogram, expected a gauge', series: 1 },
      { reason: 'system.cpu.load_average.1m: data point without time_unix_nano', series: 1 },
    ]);
    expect(classified.rejectedSamples).toBe(7);
    expect(classified.ignoredSeries).toBe(1); // my.histogram
    expect(rows(newMapping().derive(classified.series).samples)).toEqual([['web-2', 0, NaN, NaN, NaN, 0.5]]);
  });

  it('counts a point without a recorded value as a stale marker and an out-of-range value as skipped', () => {
    const r = mapped(
      newMapping(),
      request(
        host(
          'web-3',
          gauge('system.cpu.load_average.1m', [point(T, 0, {}, { flags: NO_RECORDED_VALUE })]),
          gauge('system.memory.utilization', [point(T, 1.5, { state: 'used' })]),
        ),
      ),
    );
    expect(r.samples).toEqual([]);
    expect([r.staleMarkers, r.unusable]).toEqual([1, 1]);
  });

  it('maps the same request alike from OTLP/JSON and from protobuf', () => {
    const json = {
      resourceMetrics: [
        {
          resource: { attributes: attributes({ 'host.name': 'web-4' }) },
          scopeMetrics: [{ metrics: [gauge('system.cpu.load_average.1m', [point(T, 1.25)]), cpuTime(T, 10, 20)] }],
        },
      ],
    };
    const fromJson = classifyMetrics(decodeMetricsJson(json), OPTIONS);
    const fromProtobuf = classifyMetrics(decodeMetricsProtobuf(encodeMetricsProtobuf(json)), OPTIONS);
    expect(fromProtobuf).toEqual(fromJson);
    expect(fromJson.series.map((s) => [s.server, s.key, s.role, s.samples])).toEqual([
      ['web-4', 'system.cpu.load_average.1m', 'load1', [{ timestamp: T, value: 1.25 }]],
      ['web-4', 'system.cpu.time/cpu0', 'idle', [{ timestamp: T, value: 10 }]],
      ['web-4', 'system.cpu.time/cpu1', 'idle', [{ timestamp: T, value: 20 }]],
    ]);
  });
});
