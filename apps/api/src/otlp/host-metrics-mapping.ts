import {
  attributeString,
  NO_RECORDED_VALUE,
  Temporality,
  type KeyValue,
  type Metric,
  type MetricsRequest,
  type NumberDataPoint,
} from '@tft/otlp';
import {
  serverNameOf,
  type Classification,
  type ClassifiedSeries,
  type RoleId,
  type ServerNameSource,
} from '../remote-write/node-exporter-mapping';

export interface HostMetricsOptions {
  /** The resource attribute naming the server (OTLP_HOST_ATTRIBUTE); a trailing `:port` is stripped. */
  hostAttribute: string;
  /** The filesystem whose usage is disk_percent (OTLP_MOUNTPOINT). */
  mountpoint: string;
}

/**
 * The attribute names of the Collector's hostmetrics receiver, then those of the semantic conventions
 * that the JS host-metrics package and newer SDKs use.
 */
const CPU = ['cpu', 'system.cpu.logical_number'];
const CPU_STATE = ['state', 'system.cpu.state'];
const MEMORY_STATE = ['state', 'system.memory.state'];
const FILESYSTEM_STATE = ['state', 'system.filesystem.state'];
const MOUNTPOINT = ['mountpoint', 'system.filesystem.mountpoint'];
const DEVICE = ['device', 'system.device'];

function attribute(attributes: readonly KeyValue[], keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = attributeString(attributes, key);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** A point's value; NaN for a point flagged as having none (a series that ended) or carrying none. */
function pointValue(p: NumberDataPoint): number {
  if (p.flags & NO_RECORDED_VALUE) return Number.NaN;
  if (p.value === 'asDouble') return p.asDouble as number;
  if (p.value === 'asInt') return p.asInt as number;
  return Number.NaN;
}

/** The number points of a gauge or a sum; every other kind (histograms, summaries) has none the mapping reads. */
function numberPoints(metric: Metric): NumberDataPoint[] {
  return (metric.data === 'gauge' ? metric.gauge?.dataPoints : metric.data === 'sum' ? metric.sum?.dataPoints : undefined) ?? [];
}

/** Any metric's data points, counted against MAX_RECORDS_PER_REQUEST and as ignored. */
export function pointCount(metric: Metric): number {
  const data = metric.data ? (metric as unknown as Record<string, { dataPoints?: unknown[] } | undefined>)[metric.data] : undefined;
  return data?.dataPoints?.length ?? 0;
}

/** The classified series of one request, built point by point. */
class Classifier {
  private readonly series = new Map<string, ClassifiedSeries>();
  private readonly rejections = new Map<string, number>();
  private rejectedPoints = 0;
  ignoredPoints = 0;

  add(server: string, key: string, role: RoleId, timestamp: number, value: number): void {
    const id = `${server}\u0000${key}`;
    let series = this.series.get(id);
    if (!series) this.series.set(id, (series = { server, key, role, samples: [] }));
    series.samples.push({ timestamp, value });
  }

  reject(reason: string, points: number): void {
    if (points <= 0) return;
    this.rejections.set(reason, (this.rejections.get(reason) ?? 0) + points);
    this.rejectedPoints += points;
  }

  /** The points' time in ms, or undefined (refused) for a point without one. */
  time(metric: Metric, p: NumberDataPoint): number | undefined {
    const ms = Math.round(p.timeUnixNano / 1e6);
    if (ms > 0) return ms;
    this.reject(`${metric.name}: data point without time_unix_nano`, 1);
    return undefined;
  }

  result(): Classification {
    const series = [...this.series.values()];
    // the derivation takes a sample at or before its series' newest one for a duplicate
    for (const s of series) s.samples.sort((a, b) => a.timestamp - b.timestamp);
    return {
      series,
      ignoredSeries: this.ignoredPoints,
      rejected: [...this.rejections].map(([reason, series]) => ({ reason, series })),
      rejectedSamples: this.rejectedPoints,
    };
  }
}

/** What a metric's points are allowed to be, checked before its rule reads them. */
function kindProblem(metric: Metric, expected: readonly ('gauge' | 'sum')[]): string | null {
  if (!metric.data || !(expected as readonly string[]).includes(metric.data)) {
    return `${metric.name} is a ${metric.data ?? 'metric without data'}, expected a ${expected.join(' or ')}`;
  }
  if (metric.data === 'sum' && metric.sum?.aggregationTemporality !== Temporality.CUMULATIVE) {
    const temporality = metric.sum?.aggregationTemporality === Temporality.DELTA ? 'delta' : 'unspecified';
    return `${metric.name} has ${temporality} temporality: send it cumulative (the default of the Collector and the SDKs; drop a cumulativetodelta processor)`;
  }
  return null;
}

/**
 * Points of one usage-by-state metric grouped by time: the `used`/`free` state's value and the sum of
 * every state, so a share needs no state across requests.
 */
function statesByTime(
  classifier: Classifier,
  metric: Metric,
  points: readonly NumberDataPoint[],
  stateKeys: readonly string[],
): Map<number, { states: Map<string, number>; total: number; points: number }> {
  const byTime = new Map<number, { states: Map<string, number>; total: number; points: number }>();
  for (const p of points) {
    const time = classifier.time(metric, p);
    if (time === undefined) continue;
    let group = byTime.get(time);
    if (!group) byTime.set(time, (group = { states: new Map(), total: 0, points: 0 }));
    const value = pointValue(p);
    group.states.set(attribute(p.attributes, stateKeys) ?? '', value);
    group.total += value;
    group.points++;
  }
  return byTime;
}

type Rule = (classifier: Classifier, server: string, metric: Metric, options: HostMetricsOptions) => void;

/**
 * The metrics the receiver reads, by name: the hostmetrics receiver's defaults, and its `*.utilization`
 * gauges, which (like the node-mixin's recording rules for remote write) replace the derivation from
 * usage or time for their metric on that host.
 */
const RULES: Record<string, Rule> = {
  // cpu_percent = 100 x (1 - idle seconds per second), per cpu, averaged: the rule of node_cpu_seconds_total
  'system.cpu.time': (classifier, server, metric) => {
    const problem = metric.data === 'sum' && metric.sum?.aggregationTemporality === Temporality.DELTA ? null : kindProblem(metric, ['sum']);
    if (problem) return classifier.reject(problem, pointCount(metric));
    const delta = metric.sum?.aggregationTemporality === Temporality.DELTA;
    for (const p of numberPoints(metric)) {
      if (attribute(p.attributes, CPU_STATE) !== 'idle') {
        classifier.ignoredPoints++;
        continue;
      }
      const time = classifier.time(metric, p);
      if (time === undefined) continue;
      const key = `system.cpu.time/${attribute(p.attributes, CPU) ?? ''}`;
      if (!delta) {
        classifier.add(server, key, 'idle', time, pointValue(p));
        continue;
      }
      // a delta point holds its own interval: its idle share needs no earlier point
      const seconds = (p.timeUnixNano - p.startTimeUnixNano) / 1e9;
      if (!(p.startTimeUnixNano > 0 && seconds > 0)) {
        classifier.reject(`${metric.name}: delta data point without a start_time_unix_nano before its time`, 1);
        continue;
      }
      classifier.add(server, key, 'cpu_share', time, 100 * (1 - pointValue(p) / seconds));
    }
  },
  'system.cpu.utilization': (classifier, server, metric) => {
    const problem = kindProblem(metric, ['gauge']);
    if (problem) return classifier.reject(problem, pointCount(metric));
    for (const p of numberPoints(metric)) {
      if (attribute(p.attributes, CPU_STATE) !== 'idle') {
        classifier.ignoredPoints++;
        continue;
      }
      const time = classifier.time(metric, p);
      if (time !== undefined) {
        classifier.add(server, `system.cpu.utilization/${attribute(p.attributes, CPU) ?? ''}`, 'recorded_cpu', time, 1 - pointValue(p));
      }
    }
  },
  // memory_percent = 100 x used / the sum of every state
  'system.memory.usage': (classifier, server, metric) => {
    const problem = kindProblem(metric, ['sum', 'gauge']);
    if (problem) return classifier.reject(problem, pointCount(metric));
    for (const [time, group] of statesByTime(classifier, metric, numberPoints(metric), MEMORY_STATE)) {
      const used = group.states.get('used');
      if (used === undefined || group.states.size < 2) {
        classifier.reject(
          `${metric.name} needs the used state and the others beside it (the share is used / the sum of states)`,
          group.points,
        );
      } else {
        classifier.add(server, metric.name, 'memory_share', time, group.total > 0 ? (100 * used) / group.total : Number.POSITIVE_INFINITY);
      }
    }
  },
  'system.memory.utilization': (classifier, server, metric) => {
    const problem = kindProblem(metric, ['gauge']);
    if (problem) return classifier.reject(problem, pointCount(metric));
    for (const p of numberPoints(metric)) {
      if (attribute(p.attributes, MEMORY_STATE) !== 'used') {
        classifier.ignoredPoints++;
        continue;
      }
      const time = classifier.time(metric, p);
      if (time !== undefined) classifier.add(server, metric.name, 'recorded_memory', time, pointValue(p));
    }
  },
  // disk_percent = 100 x (1 - free / the sum of every state) of the configured mountpoint: df's avail / size
  'system.filesystem.usage': (classifier, server, metric, options) => {
    const problem = kindProblem(metric, ['sum', 'gauge']);
    if (problem) return classifier.reject(problem, pointCount(metric));
    const points = numberPoints(metric);
    const mounted = points.filter((p) => attribute(p.attributes, MOUNTPOINT) === options.mountpoint);
    // a filesystem mounted twice at the mountpoint (bind mounts) counts once: the first device's
    const device = mounted.length ? attribute(mounted[0].attributes, DEVICE) : undefined;
    const used = mounted.filter((p) => attribute(p.attributes, DEVICE) === device);
    classifier.ignoredPoints += points.length - used.length;
    for (const [time, group] of statesByTime(classifier, metric, used, FILESYSTEM_STATE)) {
      const free = group.states.get('free');
      if (free === undefined || group.states.size < 2) {
        classifier.reject(
          `${metric.name} needs the free state and the others beside it (the share is 1 - free / the sum of states)`,
          group.points,
        );
      } else {
        classifier.add(
          server,
          metric.name,
          'filesystem_share',
          time,
          group.total > 0 ? 100 * (1 - free / group.total) : Number.POSITIVE_INFINITY,
        );
      }
    }
  },
  'system.filesystem.utilization': (classifier, server, metric, options) => {
    const problem = kindProblem(metric, ['gauge']);
    if (problem) return classifier.reject(problem, pointCount(metric));
    for (const p of numberPoints(metric)) {
      if (attribute(p.attributes, MOUNTPOINT) !== options.mountpoint) {
        classifier.ignoredPoints++;
        continue;
      }
      const time = classifier.time(metric, p);
      if (time !== undefined) classifier.add(server, metric.name, 'recorded_disk', time, pointValue(p));
    }
  },
  'system.cpu.load_average.1m': (classifier, server, metric) => {
    const problem = kindProblem(metric, ['gauge']);
    if (problem) return classifier.reject(problem, pointCount(metric));
    for (const p of numberPoints(metric)) {
      const time = classifier.time(metric, p);
      if (time !== undefined) classifier.add(server, metric.name, 'load1', time, pointValue(p));
    }
  },
};

/** The metric names the receiver reads (docs/OPENTELEMETRY.md has the table). */
export const HOST_METRICS = Object.keys(RULES);

/**
 * The stateless half of OTLP's mapping: which data points count, for which server and as what. The
 * result is classified series as remote write produces them, so both receivers share the derivation
 * (counter rates, the host's series state, duplicates), the limits and the cluster's partitioning.
 */
export function classifyMetrics(request: MetricsRequest, options: HostMetricsOptions): Classification {
  const source: ServerNameSource = {
    holder: `${options.hostAttribute} attribute`,
    key: options.hostAttribute,
    setting: 'OTLP_HOST_ATTRIBUTE',
  };
  const classifier = new Classifier();
  for (const resourceMetrics of request.resourceMetrics) {
    const server = serverNameOf(attributeString(resourceMetrics.resource?.attributes, options.hostAttribute), source, 'resource');
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        const rule = Object.prototype.hasOwnProperty.call(RULES, metric.name) ? RULES[metric.name] : undefined;
        if (!rule) classifier.ignoredPoints += pointCount(metric);
        else if (typeof server !== 'string') classifier.reject(server.reason, pointCount(metric));
        else rule(classifier, server, metric, options);
      }
    }
  }
  return classifier.result();
}
