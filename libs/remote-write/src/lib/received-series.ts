import table from './received-series.json';

/** What a series is to the receiver (the api's mapping turns each into a derivation). */
export type ReceivedRole =
  | 'idle'
  | 'memory_available'
  | 'memory_total'
  | 'filesystem_available'
  | 'filesystem_size'
  | 'load1'
  | 'recorded_cpu'
  | 'recorded_memory'
  | 'recorded_disk';

/** A series the receiver reads: its metric name, the label values it must have, and its role. */
export interface ReceivedSeries {
  name: string;
  /** node_cpu_seconds_total: only this `mode`. */
  mode?: string;
  /** Only the configured mountpoint's (REMOTE_WRITE_MOUNTPOINT). */
  atMountpoint?: boolean;
  role: ReceivedRole;
}

/**
 * The node_exporter series and node-mixin recording rules the receiver reads: one table (a JSON file,
 * so that the demo's Prometheus configuration in tools/ reads it too) for the mapping, the
 * write_relabel_configs keep rule, docs/PROMETHEUS.md and the fine-tune command's PromQL (apps/fine-tune).
 */
export const RECEIVED_SERIES: readonly ReceivedSeries[] = table as ReceivedSeries[];

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The `write_relabel_configs` keep rule's regex over `[__name__, mode, mountpoint]` joined by `;`: every
 * series of RECEIVED_SERIES, nothing else.
 */
export function keepRegex(mountpoint: string): string {
  return RECEIVED_SERIES.map((s) => `${escapeRegex(s.name)};${s.mode ?? ''};${s.atMountpoint ? escapeRegex(mountpoint) : ''}`).join('|');
}
