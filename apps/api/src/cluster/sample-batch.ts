import type { SeriesRoutePath } from '../metrics/api-metrics';
import type { ClassifiedSeries, RoleId } from '../remote-write/node-exporter-mapping';
import type { AcceptedSample } from '../window/window.service';

/** One sample in the log: server, profile, epoch s, the 4 values (null = missing) and, for remote write, its weights. */
type LoggedSample = [string, string | null, number, (number | null)[], number[]?];

const valueOut = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** A partition's share of a request as the metrics log stores it (JSON: readable with `nats stream view`). */
export function encodeBatch(samples: readonly AcceptedSample[]): Uint8Array {
  const rows: LoggedSample[] = samples.map((s) => {
    const row: LoggedSample = [s.server, s.profile, s.time, Array.from(s.values, valueOut)];
    if (s.weights) row.push(Array.from(s.weights));
    return row;
  });
  return Buffer.from(JSON.stringify(rows));
}

/** The samples of one stored batch, numbered from 0 (the index is only what WindowService reports back). */
function decodeRows(rows: LoggedSample[]): AcceptedSample[] {
  return rows.map(([server, profile, time, values, weights], index) => ({
    index,
    server,
    profile,
    time,
    values: values.map((v) => (v === null ? Number.NaN : v)),
    ...(weights ? { weights: Uint32Array.from(weights) } : {}),
  }));
}

/** A classified remote-write series in the log: server, key, role, and its samples as [ms, value] (non-finite values as text). */
type LoggedSeries = [string, string, RoleId, [number, number | string][]];

/**
 * A partition's share of a remote-write request, classified but not derived: its owner derives it
 * (counter rates, ratios) against the series state it holds, so that state lives with the partition.
 */
export function encodeSeriesBatch(series: readonly ClassifiedSeries[], route: SeriesRoutePath): Uint8Array {
  const rows: LoggedSeries[] = series.map((s) => [
    s.server,
    s.key,
    s.role,
    s.samples.map(({ timestamp, value }) => [timestamp, Number.isFinite(value) ? value : String(value)]),
  ]);
  return Buffer.from(JSON.stringify({ series: rows, route }));
}

/** A stored batch: samples of /feed/data (and of remote write before series were logged), or classified remote-write series. */
export type LoggedBatch = { samples: AcceptedSample[] } | { series: ClassifiedSeries[]; route: SeriesRoutePath };

export function decodeLogged(payload: Uint8Array): LoggedBatch {
  const parsed = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8')) as
    | LoggedSample[]
    | { series: LoggedSeries[]; route?: SeriesRoutePath };
  if (Array.isArray(parsed)) return { samples: decodeRows(parsed) };
  return {
    route: parsed.route ?? '/api/v1/write', // batches logged before OTLP came
    series: parsed.series.map(([server, key, role, samples]) => ({
      server,
      key,
      role,
      samples: samples.map(([timestamp, value]) => ({ timestamp, value: Number(value) })),
    })),
  };
}
