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
export function decodeBatch(payload: Uint8Array): AcceptedSample[] {
  const rows = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8')) as LoggedSample[];
  return rows.map(([server, profile, time, values, weights], index) => ({
    index,
    server,
    profile,
    time,
    values: values.map((v) => (v === null ? Number.NaN : v)),
    ...(weights ? { weights: Uint32Array.from(weights) } : {}),
  }));
}
