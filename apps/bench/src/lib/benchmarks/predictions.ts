import autocannon from 'autocannon';
import type { PredictionsDto } from '@tft/api-client';
import type { ApiProcess } from '../api-process';
import type { Log } from '../log';
import { sleep } from '../proc';
import { readLoad, type ReadLoadResult } from '../read-load';
import { num } from '../report';

export interface PredictionsResult {
  servers: number;
  servers_tft: number;
  connections: number;
  duration_s: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  requests_per_second: number;
  body_bytes: number;
  /** When the api offers gzip (Accept-Encoding: gzip). */
  body_bytes_gzip: number | null;
  /** Over all runs. */
  non_2xx: number;
  errors: number;
  /** The headline (node-http, plain body, 10 connections) first, then one reader, gzip (10 and 1), and autocannon. */
  runs: ReadRun[];
}

export interface ReadRun extends ReadLoadResult {
  /** node-http: `readLoad` (counts bytes); autocannon: builds a string of each body. */
  client: 'node-http' | 'autocannon';
  connections: number;
  encoding: 'identity' | 'gzip';
}

/** GET /predictions/current under closed-loop load on an api whose `servers` are all forecast. */
export async function benchPredictions(api: ApiProcess, servers: number, quick: boolean, log: Log): Promise<PredictionsResult> {
  const got = await api.getText('/predictions/current');
  const body = JSON.parse(got.text) as PredictionsDto;
  const bodyBytes = got.bytes;
  // the first gzip reader makes the api compress the body (in the background): ask until it is served
  let gz = await api.getText('/predictions/current', 'gzip');
  for (let i = 0; i < 50 && gz.encoding !== 'gzip'; i++) {
    await sleep(100);
    gz = await api.getText('/predictions/current', 'gzip');
  }
  const gzipBytes = gz.encoding === 'gzip' ? gz.bytes : null;
  const duration = quick ? 3 : 10;
  const connections = 10;
  log(
    `predictions: GET /predictions/current is ${num(bodyBytes / 1024 ** 2, 2)} MB for ${servers} servers (${body.metadata.servers_tft} TFT)` +
      `${gzipBytes ? `, ${num(gzipBytes / 1024 ** 2, 2)} MB gzipped` : ', not compressed'}; ${duration} s per run`,
  );
  // The headline: the plain body at 10 connections from a client that only counts bytes. One reader
  // and gzip show where the time goes; autocannon (which builds a string of every body) runs beside
  // it as a second opinion from a standard load generator.
  const runs: ReadRun[] = [];
  const url = `${api.base}/predictions/current`;
  const plan = [
    ['node-http', connections, 'identity'],
    ['node-http', 1, 'identity'],
    ['node-http', connections, 'gzip'],
    ['node-http', 1, 'gzip'],
    ['autocannon', connections, 'identity'],
  ] as const;
  for (const [client, c, encoding] of plan) {
    const headers = api.headers({ 'accept-encoding': encoding });
    let run: ReadRun;
    if (client === 'node-http') {
      const r = await readLoad({
        url,
        connections: c,
        durationS: duration,
        headers,
      });
      run = { client, connections: c, encoding, ...r };
    } else {
      const r = await autocannon({
        url,
        connections: c,
        duration,
        timeout: 30,
        headers,
      });
      run = {
        client,
        connections: c,
        encoding,
        requests: r.requests.total,
        p50_ms: r.latency.p50,
        p90_ms: r.latency.p90,
        p99_ms: r.latency.p99,
        max_ms: r.latency.max,
        requests_per_second: r.requests.average,
        megabytes_per_second: +(r.throughput.average / 1024 ** 2).toFixed(1),
        non_2xx: r.non2xx,
        errors: r.errors,
      };
    }
    runs.push(run);
    log(
      `predictions: ${client}, ${c} connection(s), ${encoding}: p50 ${run.p50_ms} ms, p99 ${run.p99_ms} ms, max ${run.max_ms} ms, ` +
        `${num(run.requests_per_second, 1)} requests/s (${num(run.megabytes_per_second)} MB/s), non-2xx ${run.non_2xx}, errors ${run.errors}`,
    );
  }
  const head = runs[0];
  return {
    servers,
    servers_tft: body.metadata.servers_tft,
    connections,
    duration_s: duration,
    p50_ms: head.p50_ms,
    p90_ms: head.p90_ms,
    p99_ms: head.p99_ms,
    max_ms: head.max_ms,
    requests_per_second: head.requests_per_second,
    body_bytes: bodyBytes,
    body_bytes_gzip: gzipBytes,
    non_2xx: runs.reduce((n, r) => n + r.non_2xx, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    runs,
  };
}
