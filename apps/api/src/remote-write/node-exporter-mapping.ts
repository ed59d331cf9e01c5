import { SERVER_NAME_PATTERN } from '@tft/contracts';
import type { TimeSeries } from './write-request';

/** Slots of a mapped sample, in METRICS order. */
const CPU = 0;
const MEMORY = 1;
const DISK = 2;
const LOAD = 3;
const METRIC_SLOTS = 4;

/** The largest load average a JSON record may carry: the same bound for remote write. */
const MAX_LOAD = 100_000;

export interface MappingOptions {
  /** The label naming the server (REMOTE_WRITE_SERVER_LABEL); a trailing `:port` is stripped. */
  serverLabel: string;
  /** The filesystem whose usage is disk_percent (REMOTE_WRITE_MOUNTPOINT). */
  mountpoint: string;
}

/** One host's metrics at one timestamp of one request: a partial sample for the window. */
export interface MappedSample {
  server: string;
  timeMs: number;
  /** Mean per metric (METRICS order); NaN where the request had none. */
  values: Float64Array;
  /** Observations behind each mean (cpu: one per core); 0 = missing. */
  weights: Uint32Array;
}

export interface SeriesRejection {
  reason: string;
  series: number;
}

export interface MappingResult {
  samples: MappedSample[];
  /** Observations placed in `samples` (a core's idle rate, a memory ratio, ...). */
  observations: number;
  /** Series the receiver does not use (other metrics, cpu modes, mountpoints): counted, skipped. */
  ignoredSeries: number;
  /** Series refused, grouped by reason (no server label, a name the contract refuses). */
  rejected: SeriesRejection[];
  rejectedSamples: number;
  /** Samples at or before their series' newest one: a re-sent request changes nothing. */
  duplicates: number;
  /**
   * NaN samples, skipped: Prometheus' stale markers (a series ended; the NaN with bits
   * 0x7ff0000000000002) and any other NaN. They are told apart by no bit test: V8 may canonicalise a
   * NaN's payload wherever the number is stored, and neither kind carries a value.
   */
  staleMarkers: number;
  /** Infinite or out-of-range values, and ratios whose denominator has not arrived: skipped. */
  unusable: number;
  /** Undoes this request's series state (its store write failed, so Prometheus re-sends it). */
  rollback(): void;
}

/** What a series contributes: a gauge copied (times a scale), a ratio to a denominator, or a counter's rate. */
type SeriesRole =
  | { kind: 'gauge'; slot: number; scale: number; recorded: boolean }
  | { kind: 'usedRatio'; slot: number; denominator: string }
  | { kind: 'denominator'; name: string }
  | { kind: 'idleCounter' };

/**
 * The series the receiver reads. Raw node_exporter series work without recording rules (Prometheus
 * in agent mode); the node-mixin recording rules, when a full Prometheus sends them, take precedence
 * for their metric on that host.
 */
function roleOf(labels: ReadonlyMap<string, string>, mountpoint: string): SeriesRole | null {
  switch (labels.get('__name__')) {
    case 'node_cpu_seconds_total':
      return labels.get('mode') === 'idle' ? { kind: 'idleCounter' } : null;
    case 'node_memory_MemAvailable_bytes':
      return { kind: 'usedRatio', slot: MEMORY, denominator: 'memory' };
    case 'node_memory_MemTotal_bytes':
      return { kind: 'denominator', name: 'memory' };
    case 'node_filesystem_avail_bytes':
      return labels.get('mountpoint') === mountpoint ? { kind: 'usedRatio', slot: DISK, denominator: 'filesystem' } : null;
    case 'node_filesystem_size_bytes':
      return labels.get('mountpoint') === mountpoint ? { kind: 'denominator', name: 'filesystem' } : null;
    case 'node_load1':
      return { kind: 'gauge', slot: LOAD, scale: 1, recorded: false };
    case 'instance:node_cpu_utilisation:rate5m':
      return { kind: 'gauge', slot: CPU, scale: 100, recorded: true };
    case 'instance:node_memory_utilisation:ratio':
      return { kind: 'gauge', slot: MEMORY, scale: 100, recorded: true };
    case 'instance:node_filesystem_usage:ratio':
      return labels.get('mountpoint') === mountpoint ? { kind: 'gauge', slot: DISK, scale: 100, recorded: true } : null;
    default:
      return null;
  }
}

/** The newest sample of one series: the duplicate horizon, and a counter's previous value for its rate. */
interface SeriesState {
  timeMs: number;
  value: number;
}

/** The server name a series names: its server label, `host:port` reduced to `host`. */
export function serverNameOf(labels: ReadonlyMap<string, string>, serverLabel: string): string | { reason: string } {
  const raw = labels.get(serverLabel);
  if (raw === undefined || raw === '') {
    return { reason: `series without a ${serverLabel} label (REMOTE_WRITE_SERVER_LABEL=${serverLabel} names the server)` };
  }
  const name = raw.replace(/:\d+$/, '');
  if (!SERVER_NAME_PATTERN.test(name)) {
    return {
      reason: `${serverLabel}="${raw.slice(0, 80)}" is not a valid server_name (letters, digits and . _ : - , at most 128, starting with a letter or digit)`,
    };
  }
  return name;
}

/** One state per host and denominator (MemTotal, the mountpoint's size): ratios use its newest value. */
const denominatorKey = (server: string, name: string): string => `${server}\u0000${name}`;

const clampPercent = (v: number): number => Math.min(100, Math.max(0, v));

/**
 * Turns remote-write series into per-host partial samples on the receiver's metrics:
 * - cpu_percent = 100 x (1 - idle rate), the rate of each core's `node_cpu_seconds_total{mode="idle"}`
 *   between consecutive samples, averaged over the cores (a core's first sample and a counter reset
 *   only set its baseline);
 * - memory_percent = 100 x (1 - MemAvailable / MemTotal), disk_percent = 100 x (1 - avail / size) of
 *   the configured mountpoint, each against the newest denominator seen for the host;
 * - load_average = node_load1;
 * - or the recording rules' ratios x 100, which then replace the raw derivation of their metric.
 * It keeps each series' newest sample, so a sample at or before it (a retried request) is a duplicate.
 */
export class NodeExporterMapping {
  private readonly series = new Map<string, SeriesState>();
  /** Per host, the metrics a recording rule delivers: the raw derivation of those is skipped. */
  private readonly recorded = new Map<string, number>();

  constructor(private readonly options: MappingOptions) {}

  /** Series state held (one entry per used series of every host). */
  get seriesTracked(): number {
    return this.series.size;
  }

  map(timeseries: readonly TimeSeries[]): MappingResult {
    const groups = new Map<string, MappedSample>();
    const previous = new Map<string, SeriesState | undefined>();
    const rejections = new Map<string, number>();
    const result: Omit<MappingResult, 'samples' | 'rejected' | 'rollback'> = {
      observations: 0,
      ignoredSeries: 0,
      rejectedSamples: 0,
      duplicates: 0,
      staleMarkers: 0,
      unusable: 0,
    };
    const used: { server: string; key: string; role: SeriesRole; ts: TimeSeries }[] = [];
    for (const ts of timeseries) {
      const labels = new Map(ts.labels.map((l) => [l.name, l.value]));
      const role = roleOf(labels, this.options.mountpoint);
      if (!role) {
        result.ignoredSeries++;
        continue;
      }
      const server = serverNameOf(labels, this.options.serverLabel);
      if (typeof server !== 'string') {
        rejections.set(server.reason, (rejections.get(server.reason) ?? 0) + 1);
        result.rejectedSamples += ts.samples.length;
        continue;
      }
      const key =
        role.kind === 'denominator'
          ? denominatorKey(server, role.name)
          : `${server}\u0000${labels.get('__name__')}\u0000${labels.get('cpu') ?? ''}`;
      if (role.kind === 'gauge' && role.recorded) this.recorded.set(server, (this.recorded.get(server) ?? 0) | (1 << role.slot));
      used.push({ server, key, role, ts });
    }
    // denominators first: a request often carries MemTotal after MemAvailable
    used.sort((a, b) => Number(b.role.kind === 'denominator') - Number(a.role.kind === 'denominator'));

    const add = (server: string, timeMs: number, slot: number, value: number): void => {
      const groupKey = `${server}\u0000${timeMs}`;
      let sample = groups.get(groupKey);
      if (!sample) {
        sample = {
          server,
          timeMs,
          values: new Float64Array(METRIC_SLOTS),
          weights: new Uint32Array(METRIC_SLOTS),
        };
        groups.set(groupKey, sample);
      }
      sample.values[slot] += value; // a sum until the end of map()
      sample.weights[slot]++;
      result.observations++;
    };

    for (const { server, key, role, ts } of used) {
      const skipRaw = this.recordedSkips(server, role);
      for (const { value, timestampMs } of ts.samples) {
        if (Number.isNaN(value)) {
          result.staleMarkers++;
          continue;
        }
        const state = this.series.get(key);
        if (state && timestampMs <= state.timeMs) {
          result.duplicates++;
          continue;
        }
        if (!previous.has(key)) previous.set(key, state);
        this.series.set(key, { timeMs: timestampMs, value });
        if (!Number.isFinite(value) || skipRaw) {
          if (!skipRaw) result.unusable++;
          continue;
        }
        switch (role.kind) {
          case 'denominator':
            break;
          case 'idleCounter': {
            // a core's first sample, or a counter that went back (a reboot): only a new baseline
            if (!state || value < state.value) break;
            const idle = (value - state.value) / ((timestampMs - state.timeMs) / 1000);
            add(server, timestampMs, CPU, clampPercent(100 * (1 - idle)));
            break;
          }
          case 'usedRatio': {
            const total = this.series.get(denominatorKey(server, role.denominator))?.value;
            if (total === undefined || total <= 0 || value < 0) result.unusable++;
            else add(server, timestampMs, role.slot, clampPercent(100 * (1 - value / total)));
            break;
          }
          case 'gauge': {
            const v = value * role.scale;
            if (v < 0 || (role.slot === LOAD ? v > MAX_LOAD : v > 100.01)) result.unusable++;
            else add(server, timestampMs, role.slot, role.slot === LOAD ? v : clampPercent(v));
            break;
          }
        }
      }
    }

    const samples = [...groups.values()];
    for (const s of samples) for (let m = 0; m < METRIC_SLOTS; m++) s.values[m] = s.weights[m] ? s.values[m] / s.weights[m] : Number.NaN;
    return {
      ...result,
      samples,
      rejected: [...rejections].map(([reason, series]) => ({ reason, series })),
      rollback: () => {
        for (const [key, state] of previous) {
          if (state) this.series.set(key, state);
          else this.series.delete(key);
        }
      },
    };
  }

  /** Whether a raw series' metric comes from a recording rule for this host (then only its state is kept). */
  private recordedSkips(server: string, role: SeriesRole): boolean {
    const mask = this.recorded.get(server) ?? 0;
    if (role.kind === 'idleCounter') return (mask & (1 << CPU)) !== 0;
    if (role.kind === 'usedRatio') return (mask & (1 << role.slot)) !== 0;
    return false;
  }

  /** Forgets retired servers' series. */
  forget(servers: readonly string[]): void {
    const gone = new Set(servers);
    for (const key of this.series.keys()) if (gone.has(key.slice(0, key.indexOf('\u0000')))) this.series.delete(key);
    for (const s of servers) this.recorded.delete(s);
  }
}
