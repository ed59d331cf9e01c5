import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { MAX_LOAD_AVERAGE, METRICS, SERVER_NAME_PATTERN, type MetricName } from '@tft/contracts';
import { isoSeconds } from '@tft/forecasting';
import { RECEIVED_SERIES, type ReceivedRole, type ReceivedSeries } from '@tft/remote-write';
import { CONTRACT_HEADER, contractRow } from '../contract-csv';
import { HistoryError, describeFetchError, redactUrl } from './errors';

/** Prometheus refuses a query_range with more points than this per series ("exceeded maximum resolution"). */
export const MAX_POINTS_PER_SERIES = 11_000;
/** Points per series per query by default: a day of steps keeps each answer small on a large fleet. */
export const DEFAULT_CHUNK_SECONDS = 86_400;

/**
 * Evaluation times `first, first + step, ..., last` cut into consecutive ranges of at most `maxPoints`
 * points each (both ends included, as query_range counts them), none overlapping.
 */
export function splitRange(first: number, last: number, step: number, maxPoints: number): [number, number][] {
  if (!(maxPoints >= 1) || !Number.isInteger(maxPoints)) throw new Error(`maxPoints must be a positive integer, got ${maxPoints}`);
  const out: [number, number][] = [];
  for (let start = first; start <= last; start += maxPoints * step) out.push([start, Math.min(last, start + (maxPoints - 1) * step)]);
  return out;
}

function series(role: ReceivedRole): ReceivedSeries {
  const s = RECEIVED_SERIES.find((r) => r.role === role);
  if (!s) throw new Error(`the receiver's table has no ${role} series`);
  return s;
}

const quote = (v: string) => JSON.stringify(v);

/** A series of the receiver's table as a selector: its name, its mode, the mountpoint when it has one. */
function selector(s: ReceivedSeries, mountpoint: string): string {
  const labels = [
    ...(s.mode !== undefined ? [`mode=${quote(s.mode)}`] : []),
    ...(s.atMountpoint ? [`mountpoint=${quote(mountpoint)}`] : []),
  ];
  return labels.length ? `${s.name}{${labels.join(',')}}` : s.name;
}

export interface QueryOptions {
  serverLabel: string;
  mountpoint: string;
  stepSeconds: number;
}

/**
 * One PromQL expression per metric, each value the mean over the step ending at its evaluation time, as
 * the api's remote-write receiver maps node_exporter's series (libs/remote-write's table, read here, not
 * copied): cpu 100 x (1 - the idle rate of node_cpu_seconds_total averaged over the cores), memory
 * 100 x (1 - MemAvailable / MemTotal), disk 100 x (1 - avail / size) of the mountpoint, load node_load1;
 * where a host has node-mixin's recording rule for a metric, the rule's ratio x 100 instead (`or`
 * keeps the left side's hosts, as the receiver prefers a recorded series).
 */
export function historyQueries({ serverLabel, mountpoint, stepSeconds }: QueryOptions): Record<MetricName, string> {
  const w = `[${stepSeconds}s]`;
  const by = `by (${serverLabel})`;
  const mean = (role: ReceivedRole) => `avg ${by} (avg_over_time(${selector(series(role), mountpoint)}${w}))`;
  const usedRatio = (available: ReceivedRole, total: ReceivedRole) => `100 * (1 - ${mean(available)} / ${mean(total)})`;
  const recorded = (role: ReceivedRole) => `100 * ${mean(role)}`;
  return {
    cpu_percent: `${recorded('recorded_cpu')} or 100 * (1 - avg ${by} (rate(${selector(series('idle'), mountpoint)}${w})))`,
    memory_percent: `${recorded('recorded_memory')} or ${usedRatio('memory_available', 'memory_total')}`,
    disk_percent: `${recorded('recorded_disk')} or ${usedRatio('filesystem_available', 'filesystem_size')}`,
    load_average: mean('load1'),
  };
}

export interface PrometheusHistoryOptions extends QueryOptions {
  url: string;
  /** Evaluation range, epoch seconds; each value covers the step ending there. */
  since: number;
  until: number;
  /** Points per series per query (at most MAX_POINTS_PER_SERIES). */
  chunkPoints?: number;
  /** Sent as `Authorization: Bearer` when set. */
  token?: string;
  progress?: (line: string) => void;
}

export interface PrometheusHistory {
  rows: number;
  servers: number;
  queries: Record<MetricName, string>;
  /** query_range calls made. */
  requests: number;
  /** Metrics no server had a value of. */
  missing: MetricName[];
  /** Label values that are no valid server_name, skipped. */
  skippedNames: string[];
}

interface Matrix {
  metric: Record<string, string>;
  values: [number, string][];
}

/** Basic credentials in the URL move to a header (fetch refuses URLs with credentials). */
function endpoint(raw: string, token: string | undefined): { base: string; headers: Record<string, string> } {
  const u = new URL(raw);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (u.username || u.password) {
    headers['authorization'] =
      `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
    u.username = '';
    u.password = '';
  } else if (token) headers['authorization'] = `Bearer ${token}`;
  return { base: u.toString().replace(/\/+$/, ''), headers };
}

async function queryRange(
  base: string,
  headers: Record<string, string>,
  query: string,
  start: number,
  end: number,
  step: number,
  shown: string,
): Promise<Matrix[]> {
  const params = new URLSearchParams({ query, start: String(start), end: String(end), step: `${step}s` });
  const where = `Prometheus at ${shown}`;
  let res: Response;
  try {
    res = await fetch(`${base}/api/v1/query_range`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: params,
    });
  } catch (err) {
    throw new HistoryError(`cannot reach ${where}: ${describeFetchError(err)}`);
  }
  const text = await res.text();
  let body: { status?: string; error?: string; errorType?: string; data?: { resultType?: string; result?: Matrix[] } } | undefined;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (res.status === 401 || res.status === 403) {
    throw new HistoryError(
      `${where} answered ${res.status} ${res.statusText} to /api/v1/query_range: it wants credentials ` +
        '(put user:password in the URL for basic auth, or set TFT_PROMETHEUS_TOKEN for a bearer token)',
    );
  }
  if (!body || typeof body !== 'object' || !('status' in body)) {
    throw new HistoryError(
      `${where} answered ${res.status} to /api/v1/query_range with no Prometheus query API answer (is it a Prometheus URL?): ${text.slice(0, 200)}`,
    );
  }
  if (res.status !== 200 || body.status !== 'success') {
    throw new HistoryError(
      `${where} refused the query (${res.status}, ${body.errorType ?? 'error'}: ${body.error ?? text.slice(0, 200)}): ${query}`,
    );
  }
  if (body.data?.resultType !== 'matrix' || !Array.isArray(body.data.result)) {
    throw new HistoryError(`${where} answered a ${body.data?.resultType ?? 'missing'} result to a range query`);
  }
  return body.data.result;
}

/** A value inside the contract's range, else NaN (the receiver skips those too). */
function usable(metric: number, v: number): number {
  if (!Number.isFinite(v)) return NaN;
  if (METRICS[metric] === 'load_average') return v >= 0 && v <= MAX_LOAD_AVERAGE ? v : NaN;
  return Math.min(100, Math.max(0, v));
}

/**
 * The fleet's history from Prometheus as a contract CSV: the four metrics per server and step, over
 * [since, until], in query_range calls of at most `chunkPoints` points per series. Throws
 * HistoryError naming what failed: an unreachable URL, a refusal (401), no node_exporter data.
 */
export async function fetchPrometheusHistory(o: PrometheusHistoryOptions, file: string): Promise<PrometheusHistory> {
  const step = o.stepSeconds;
  const chunkPoints = Math.min(MAX_POINTS_PER_SERIES, o.chunkPoints ?? Math.round(DEFAULT_CHUNK_SECONDS / step));
  const queries = historyQueries(o);
  const { base, headers } = endpoint(o.url, o.token);
  const shown = redactUrl(o.url);
  // each evaluation time t gives the step [t - step, t), so the first is one step after since
  const first = Math.ceil(o.since / step) * step + step;
  const last = Math.floor(o.until / step) * step;
  if (last < first) throw new HistoryError(`nothing to read from Prometheus between ${isoSeconds(o.since)} and ${isoSeconds(o.until)}`);
  const chunks = splitRange(first, last, step, chunkPoints);
  const out = createWriteStream(file);
  out.write(`${CONTRACT_HEADER}\n`);
  const servers = new Set<string>();
  const skipped = new Set<string>();
  const seen = new Array<boolean>(METRICS.length).fill(false);
  let rows = 0;
  let requests = 0;
  for (const [k, [start, end]] of chunks.entries()) {
    const points = (end - start) / step + 1;
    // server -> values per step of this chunk, [point * 4 + metric]
    const byServer = new Map<string, Float64Array>();
    for (const [m, metric] of METRICS.entries()) {
      const result = await queryRange(base, headers, queries[metric], start, end, step, shown);
      requests++;
      for (const { metric: labels, values } of result) {
        const raw = labels[o.serverLabel];
        const name = raw?.replace(/:\d+$/, '');
        if (!name || !SERVER_NAME_PATTERN.test(name)) {
          skipped.add(raw ?? `(no ${o.serverLabel} label)`);
          continue;
        }
        let grid = byServer.get(name);
        if (!grid) byServer.set(name, (grid = new Float64Array(points * METRICS.length).fill(NaN)));
        for (const [t, v] of values) {
          const i = Math.round((t - start) / step);
          const value = usable(m, Number(v));
          if (i < 0 || i >= points || Number.isNaN(value)) continue;
          grid[i * METRICS.length + m] = value;
          seen[m] = true;
        }
      }
    }
    for (let i = 0; i < points; i++) {
      for (const [name, grid] of byServer) {
        const values = grid.subarray(i * METRICS.length, (i + 1) * METRICS.length);
        if (values.every((v) => Number.isNaN(v))) continue;
        if (!out.write(`${contractRow(start + i * step - step, name, values)}\n`)) await once(out, 'drain');
        rows++;
        servers.add(name);
      }
    }
    o.progress?.(
      `  prometheus: ${isoSeconds(start - step)} .. ${isoSeconds(end)} (${k + 1}/${chunks.length}): ${byServer.size} servers, ${rows} rows so far`,
    );
  }
  out.end();
  await once(out, 'finish');
  if (rows === 0) {
    throw new HistoryError(
      `Prometheus at ${shown} has no node_exporter data between ${isoSeconds(first - step)} and ${isoSeconds(last)} ` +
        `with a valid ${o.serverLabel} label (queried ${RECEIVED_SERIES.map((s) => s.name).join(', ')}; ` +
        'check --since/--until, --server-label and that node_exporter is scraped)',
    );
  }
  return {
    rows,
    servers: servers.size,
    queries,
    requests,
    missing: METRICS.filter((_, m) => !seen[m]),
    skippedNames: [...skipped],
  };
}
