import { MAX_LOAD_AVERAGE, METRICS, SERVER_NAME_PATTERN } from '@tft/contracts';
import {
  RECEIVED_SERIES,
  type Label,
  type ReceivedRole,
  type ReceivedSeries,
  type SeriesState,
  type SeriesStateChange,
  type TimeSeries,
} from '@tft/remote-write';

/** Slots of a mapped sample, in METRICS order. */
const [CPU, MEMORY, DISK, LOAD] = (['cpu_percent', 'memory_percent', 'disk_percent', 'load_average'] as const).map((m) =>
  METRICS.indexOf(m),
);
const METRIC_SLOTS = METRICS.length;

/** Server label values whose names are kept checked: more than any fleet the api holds. */
const MAX_CACHED_NAMES = 1_000_000;

export interface MappingOptions {
  /** The label naming the server (REMOTE_WRITE_SERVER_LABEL); a trailing `:port` is stripped. */
  serverLabel: string;
  /** The filesystem whose usage is disk_percent (REMOTE_WRITE_MOUNTPOINT). */
  mountpoint: string;
  /** A host's series states as stored before a restart, asked for when the host is first seen. */
  storedSeries?: (server: string) => Map<string, SeriesState> | undefined;
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
  /** The series states this request moved, to store with its samples. */
  changed: SeriesStateChange[];
  /** Undoes this request's series state (its store write failed, so Prometheus re-sends it). */
  rollback(): void;
}

/**
 * What a series contributes: a gauge copied (times a scale), a ratio to a denominator, a counter's rate,
 * or a share the receiver already computed from one request (OTLP's usage by state), which like the raw
 * derivations gives way to a recorded or utilisation gauge of the same metric.
 */
type SeriesRole =
  | { kind: 'gauge'; slot: number; scale: number; recorded: boolean }
  | { kind: 'share'; slot: number }
  | { kind: 'usedRatio'; slot: number; denominator: string }
  | { kind: 'denominator'; name: string }
  | { kind: 'idleCounter' };

/** RECEIVED_SERIES by metric name. */
const RECEIVED_BY_NAME = new Map<string, ReceivedSeries[]>();
for (const s of RECEIVED_SERIES) RECEIVED_BY_NAME.set(s.name, [...(RECEIVED_BY_NAME.get(s.name) ?? []), s]);

/**
 * The series the receiver reads (RECEIVED_SERIES, in @tft/remote-write). Raw node_exporter series work
 * without recording rules (Prometheus in agent mode); the node-mixin recording rules, when a full
 * Prometheus sends them, take precedence for their metric on that host.
 */
function roleOf(labels: SeriesLabels, mountpoint: string): RoleId | null {
  for (const s of (labels.name !== undefined && RECEIVED_BY_NAME.get(labels.name)) || []) {
    if (s.mode !== undefined && labels.mode !== s.mode) continue;
    if (s.atMountpoint && labels.mountpoint !== mountpoint) continue;
    return s.role;
  }
  return null;
}

/** Each role by a name that travels (cluster mode logs classified series for their partition's owner). */
const ROLES = {
  idle: { kind: 'idleCounter' },
  memory_available: { kind: 'usedRatio', slot: MEMORY, denominator: 'memory' },
  memory_total: { kind: 'denominator', name: 'memory' },
  filesystem_available: { kind: 'usedRatio', slot: DISK, denominator: 'filesystem' },
  filesystem_size: { kind: 'denominator', name: 'filesystem' },
  load1: { kind: 'gauge', slot: LOAD, scale: 1, recorded: false },
  recorded_cpu: { kind: 'gauge', slot: CPU, scale: 100, recorded: true },
  recorded_memory: { kind: 'gauge', slot: MEMORY, scale: 100, recorded: true },
  recorded_disk: { kind: 'gauge', slot: DISK, scale: 100, recorded: true },
  cpu_share: { kind: 'share', slot: CPU },
  memory_share: { kind: 'share', slot: MEMORY },
  filesystem_share: { kind: 'share', slot: DISK },
  // every role of the receiver's table has its derivation here
} as const satisfies Record<ReceivedRole, SeriesRole> & Record<string, SeriesRole>;

export type RoleId = keyof typeof ROLES;

/** A series the receiver reads, told apart without any state: its server, its key and its role. */
export interface ClassifiedSeries {
  server: string;
  /** By series: `name` + core, or the denominator's name for MemTotal and the filesystem's size. */
  key: string;
  role: RoleId;
  samples: { timestamp: number; value: number }[];
}

/** What a request's series are, before any state is read: the stateless half of the mapping. */
export interface Classification {
  series: ClassifiedSeries[];
  /** Series the receiver does not use (other metrics, cpu modes, mountpoints): counted, skipped. */
  ignoredSeries: number;
  /** Series refused, grouped by reason (no server label, a name the contract refuses). */
  rejected: SeriesRejection[];
  rejectedSamples: number;
}

/** What derive() makes of classified series: the stateful half of the mapping. */
export type Derivation = Omit<MappingResult, keyof Omit<Classification, 'series'>>;

/** The labels the mapping reads, picked out in one pass over a series' labels. */
interface SeriesLabels {
  name: string | undefined;
  server: string | undefined;
  cpu: string | undefined;
  mode: string | undefined;
  mountpoint: string | undefined;
}

function pickLabels(labels: readonly Label[], serverLabel: string): SeriesLabels {
  const picked: SeriesLabels = { name: undefined, server: undefined, cpu: undefined, mode: undefined, mountpoint: undefined };
  for (const { name, value } of labels) {
    if (name === serverLabel) picked.server = value;
    else if (name === '__name__') picked.name = value;
    else if (name === 'cpu') picked.cpu = value;
    else if (name === 'mode') picked.mode = value;
    else if (name === 'mountpoint') picked.mountpoint = value;
  }
  return picked;
}

/** Where a receiver finds the server's name: a label of each series, or an attribute of each OTLP resource. */
export interface ServerNameSource {
  /** What the name is held in, as a refusal names it: `series without a <holder>` ("instance label", ...). */
  holder: string;
  /** The key read (`instance`, `host.name`). */
  key: string;
  /** The setting that chooses the key (REMOTE_WRITE_SERVER_LABEL, OTLP_HOST_ATTRIBUTE). */
  setting: string;
}

/** Remote write's source: REMOTE_WRITE_SERVER_LABEL's label of each series. */
export const labelSource = (label: string): ServerNameSource => ({
  holder: `${label} label`,
  key: label,
  setting: 'REMOTE_WRITE_SERVER_LABEL',
});

/** The server name a series names: the value `raw` of its source, `host:port` reduced to `host`. */
export function serverNameOf(raw: string | undefined, source: ServerNameSource, without = 'series'): string | { reason: string } {
  if (raw === undefined || raw === '') {
    return { reason: `${without} without a ${source.holder} (${source.setting}=${source.key} names the server)` };
  }
  const name = raw.replace(/:\d+$/, '');
  if (!SERVER_NAME_PATTERN.test(name)) {
    return {
      reason: `${source.key}="${raw.slice(0, 80)}" is not a valid server_name (letters, digits and . _ : - , at most 128, starting with a letter or digit)`,
    };
  }
  return name;
}

const clampPercent = (v: number): number => Math.min(100, Math.max(0, v));

/** One host's series state, found through its server label's value. */
interface Host {
  name: string;
  /** By series (`name` + core, or the denominator's name for MemTotal and the filesystem's size). */
  series: Map<string, SeriesState>;
  /** The metrics a recording rule delivers for this host (bit per slot): their raw derivation is skipped. */
  recorded: number;
}

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
  /** By server label value: the server it names, or why it names none (bounded by the fleet's hosts). */
  private readonly names = new Map<string, string | { reason: string }>();
  /** By server: its series' state. */
  private readonly hosts = new Map<string, Host>();

  constructor(private readonly options: MappingOptions) {}

  /** Both halves: what a request's series contribute, against the state of their hosts here. */
  map(timeseries: readonly TimeSeries[]): MappingResult {
    const { series, ...classification } = this.classify(timeseries);
    return { ...classification, ...this.derive(series) };
  }

  /**
   * The stateless half: which series count, for which server and as what. Any replica can do it; in
   * cluster mode the owner of each server's partition then derives them (derive()), so a host's counter
   * state lives with its partition whichever replica received the request.
   */
  classify(timeseries: readonly TimeSeries[]): Classification {
    const rejections = new Map<string, number>();
    const result: Classification = { series: [], ignoredSeries: 0, rejected: [], rejectedSamples: 0 };
    for (const ts of timeseries) {
      const labels = pickLabels(ts.labels, this.options.serverLabel);
      const role = roleOf(labels, this.options.mountpoint);
      if (!role) {
        result.ignoredSeries++;
        continue;
      }
      const server = this.serverOf(labels.server);
      if (typeof server !== 'string') {
        rejections.set(server.reason, (rejections.get(server.reason) ?? 0) + 1);
        result.rejectedSamples += ts.samples.length;
        continue;
      }
      const r: SeriesRole = ROLES[role];
      const key = r.kind === 'denominator' ? r.name : labels.cpu === undefined ? (labels.name as string) : `${labels.name}/${labels.cpu}`;
      result.series.push({ server, key, role, samples: ts.samples });
    }
    result.rejected = [...rejections].map(([reason, series]) => ({ reason, series }));
    return result;
  }

  /** The stateful half: counter rates, ratios and gauges from classified series, moving their hosts' state. */
  derive(classified: readonly ClassifiedSeries[]): Derivation {
    const groups = new Map<Host, Map<number, MappedSample>>();
    /** What this request changed, to undo: a state's previous sample, or null for a state it created. */
    const previous = new Map<SeriesState, { host: Host; key: string; was: SeriesState | null }>();
    const result = { observations: 0, duplicates: 0, staleMarkers: 0, unusable: 0 };
    const used = classified.map((c) => ({ host: this.host(c.server), key: c.key, role: ROLES[c.role] as SeriesRole, samples: c.samples }));
    for (const { host, role } of used) if (role.kind === 'gauge' && role.recorded) host.recorded |= 1 << role.slot;
    // denominators first: a request often carries MemTotal after MemAvailable
    used.sort((a, b) => Number(b.role.kind === 'denominator') - Number(a.role.kind === 'denominator'));

    const add = (host: Host, timeMs: number, slot: number, value: number): void => {
      let byTime = groups.get(host);
      if (!byTime) groups.set(host, (byTime = new Map()));
      let sample = byTime.get(timeMs);
      if (!sample) {
        sample = { server: host.name, timeMs, values: new Float64Array(METRIC_SLOTS), weights: new Uint32Array(METRIC_SLOTS) };
        byTime.set(timeMs, sample);
      }
      sample.values[slot] += value; // a sum until the end of derive()
      sample.weights[slot]++;
      result.observations++;
    };

    for (const { host, key, role, samples: points } of used) {
      const skipRaw = recordedSkips(host, role);
      let state = host.series.get(key);
      for (const { value, timestamp: timeMs } of points) {
        if (Number.isNaN(value)) {
          result.staleMarkers++;
          continue;
        }
        if (state && timeMs <= state.timeMs) {
          result.duplicates++;
          continue;
        }
        const before = state ? { timeMs: state.timeMs, value: state.value } : null;
        if (!state) {
          state = { timeMs, value };
          host.series.set(key, state);
        } else {
          state.timeMs = timeMs;
          state.value = value;
        }
        if (!previous.has(state)) previous.set(state, { host, key, was: before });
        if (!Number.isFinite(value) || skipRaw) {
          if (!skipRaw) result.unusable++;
          continue;
        }
        switch (role.kind) {
          case 'denominator':
            break;
          case 'idleCounter': {
            // a core's first sample, or a counter that went back (a reboot): only a new baseline
            if (!before || value < before.value) break;
            const idle = (value - before.value) / ((timeMs - before.timeMs) / 1000);
            add(host, timeMs, CPU, clampPercent(100 * (1 - idle)));
            break;
          }
          case 'usedRatio': {
            const total = host.series.get(role.denominator)?.value;
            if (total === undefined || total <= 0 || value < 0) result.unusable++;
            else add(host, timeMs, role.slot, clampPercent(100 * (1 - value / total)));
            break;
          }
          case 'share':
            if (value < 0 || value > 100.01) result.unusable++;
            else add(host, timeMs, role.slot, clampPercent(value));
            break;
          case 'gauge': {
            const v = value * role.scale;
            if (v < 0 || (role.slot === LOAD ? v > MAX_LOAD_AVERAGE : v > 100.01)) result.unusable++;
            else add(host, timeMs, role.slot, role.slot === LOAD ? v : clampPercent(v));
            break;
          }
        }
      }
    }

    const samples: MappedSample[] = [];
    for (const byTime of groups.values()) {
      for (const s of byTime.values()) {
        for (let m = 0; m < METRIC_SLOTS; m++) s.values[m] = s.weights[m] ? s.values[m] / s.weights[m] : Number.NaN;
        samples.push(s);
      }
    }
    const changed: SeriesStateChange[] = [];
    for (const [state, { host, key }] of previous)
      changed.push({ server: host.name, series: key, timeMs: state.timeMs, value: state.value });
    return {
      ...result,
      samples,
      changed,
      rollback: () => {
        for (const [state, { host, key, was }] of previous) {
          if (was) Object.assign(state, was);
          else host.series.delete(key);
        }
      },
    };
  }

  private serverOf(raw: string | undefined): string | { reason: string } {
    if (raw === undefined) return serverNameOf(raw, labelSource(this.options.serverLabel));
    let name = this.names.get(raw);
    if (name === undefined) {
      name = serverNameOf(raw, labelSource(this.options.serverLabel));
      if (this.names.size < MAX_CACHED_NAMES) this.names.set(raw, name);
    }
    return name;
  }

  private host(server: string): Host {
    let host = this.hosts.get(server);
    if (!host) this.hosts.set(server, (host = { name: server, series: this.options.storedSeries?.(server) ?? new Map(), recorded: 0 }));
    return host;
  }

  /** Forgets servers' series: retired, refused by a limit, or (cluster mode) owned by another replica now. */
  forget(servers: readonly string[]): void {
    for (const server of servers) this.hosts.delete(server);
  }
}

/** Whether a raw series' metric comes from a recording rule for this host (then only its state is kept). */
function recordedSkips(host: Host, role: SeriesRole): boolean {
  if (role.kind === 'idleCounter') return (host.recorded & (1 << CPU)) !== 0;
  if (role.kind === 'usedRatio' || role.kind === 'share') return (host.recorded & (1 << role.slot)) !== 0;
  return false;
}
