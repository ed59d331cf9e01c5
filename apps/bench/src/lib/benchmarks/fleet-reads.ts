import { request } from 'node:http';
import type { FleetSummaryDto } from '@tft/api-client';
import type { ApiProcess } from '../api-process';
import { IngestStream } from '../bodies';
import type { ServerShape } from '../fleet';
import type { Log } from '../log';
import { sleep } from '../proc';
import { readLoad, type ReadLoadResult } from '../read-load';
import { num } from '../report';
import { SEED } from '../rng';
import { percentile } from '../stats';

export interface FleetReadRun extends ReadLoadResult {
  /** What was read: the old full body beside the new read path. */
  read: string;
  connections: number;
  encoding: 'identity' | 'gzip';
}

export interface ChangeFeedResult {
  clients: number;
  passes: number;
  /** From the pass's `published_at` to its arrival, over every client and pass. */
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

export interface FleetReadsResult {
  servers: number;
  duration_s: number;
  predictions_bytes: number;
  predictions_bytes_gzip: number | null;
  summary_bytes: number;
  summary_bytes_gzip: number | null;
  server_forecast_bytes: number;
  runs: FleetReadRun[];
  change_feed: ChangeFeedResult;
}

/** Asks until the api serves the gzip copy it makes in the background; the size on the wire. */
async function gzipBytes(api: ApiProcess, path: string): Promise<number | null> {
  for (let i = 0; i < 50; i++) {
    const got = await api.getText(path, 'gzip');
    if (got.encoding === 'gzip') return got.bytes;
    await sleep(100);
  }
  return null;
}

/**
 * The fleet-scale read path on an api whose `fleet` is forecast, with no writes meanwhile (the
 * bodies are the cached ones): the old whole-fleet GET /predictions/current beside GET /fleet/summary
 * and one server's forecast, then GET /events delivering passes to 50 clients while samples stream.
 */
export async function benchFleetReads(api: ApiProcess, fleet: readonly ServerShape[], quick: boolean, log: Log): Promise<FleetReadsResult> {
  const duration = quick ? 3 : 10;
  const predictions = await api.getText('/predictions/current');
  const summary = await api.getText('/fleet/summary');
  const listed = (JSON.parse(summary.text) as FleetSummaryDto).servers.map((s) => s.name);
  const one = await api.getText(`/servers/${listed[0]}/forecast`);
  const sizes = {
    predictions_bytes: predictions.bytes,
    predictions_bytes_gzip: await gzipBytes(api, '/predictions/current'),
    summary_bytes: summary.bytes,
    summary_bytes_gzip: await gzipBytes(api, '/fleet/summary'),
    server_forecast_bytes: one.bytes,
  };
  const mb = (b: number | null) => (b === null ? 'not compressed' : `${num(b / 1024 ** 2, 2)} MB`);
  log(
    `fleet reads: ${num(listed.length)} servers; /predictions/current ${mb(sizes.predictions_bytes)} (gzip ${mb(sizes.predictions_bytes_gzip)}), ` +
      `/fleet/summary ${mb(sizes.summary_bytes)} (gzip ${mb(sizes.summary_bytes_gzip)}), one forecast ${num(sizes.server_forecast_bytes / 1024, 1)} KB`,
  );
  // a spread of servers so that no one server's body is all a run reads
  const forecastUrls = Array.from(
    { length: 200 },
    (_, i) => `${api.base}/servers/${listed[Math.floor((i * listed.length) / 200)]}/forecast`,
  );
  const plan: [string, string | string[], number, 'identity' | 'gzip'][] = [
    ['/predictions/current (whole fleet)', `${api.base}/predictions/current`, 1, 'gzip'],
    ['/predictions/current (whole fleet)', `${api.base}/predictions/current`, 10, 'gzip'],
    ['/fleet/summary', `${api.base}/fleet/summary`, 1, 'gzip'],
    ['/fleet/summary', `${api.base}/fleet/summary`, 10, 'gzip'],
    ['/fleet/summary?limit=100', `${api.base}/fleet/summary?limit=100`, 10, 'gzip'],
    ['/servers/{name}/forecast', forecastUrls, 1, 'identity'],
    ['/servers/{name}/forecast', forecastUrls, 10, 'identity'],
    ['/health (the framework alone)', `${api.base}/health`, 10, 'identity'],
  ];
  const runs: FleetReadRun[] = [];
  for (const [read, url, connections, encoding] of plan) {
    const r = await readLoad({ url, connections, durationS: duration, headers: api.headers({ 'accept-encoding': encoding }) });
    runs.push({ read, connections, encoding, ...r });
    log(
      `fleet reads: ${read}, ${connections} reader(s), ${encoding}: p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, max ${r.max_ms} ms, ` +
        `${num(r.requests_per_second, 1)} requests/s, non-2xx ${r.non_2xx}, errors ${r.errors}`,
    );
  }
  const change_feed = await benchChangeFeed(api, fleet, quick ? 3 : 10, log);
  return { servers: listed.length, duration_s: duration, ...sizes, runs, change_feed };
}

/** One GET /events client: the arrival delay of each pass event. */
function listen(url: string, headers: Record<string, string>, delays: number[]): { close: () => void; ready: Promise<void> } {
  let close = () => undefined as void;
  const ready = new Promise<void>((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`GET /events: HTTP ${res.statusCode}`));
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const arrived = Date.now();
        text += chunk;
        const frames = text.split('\n\n');
        text = frames.pop() ?? '';
        for (const frame of frames) {
          if (!frame.includes('event: pass')) continue;
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (data) delays.push(arrived - Date.parse((JSON.parse(data) as { published_at: string }).published_at));
        }
      });
      resolve();
    });
    req.on('error', reject);
    req.end();
    close = () => req.destroy();
  });
  return { close, ready };
}

/** 50 clients on GET /events while the fleet streams: how long after its publish each pass reaches them. */
async function benchChangeFeed(api: ApiProcess, fleet: readonly ServerShape[], passes: number, log: Log): Promise<ChangeFeedResult> {
  const clients = 50;
  const delays: number[] = [];
  const listeners = Array.from({ length: clients }, () => listen(`${api.base}/events`, api.headers(), delays));
  try {
    await Promise.all(listeners.map((l) => l.ready));
    const stream = new IngestStream(fleet, Math.floor(Date.now() / 1000), 1000, 5, SEED + 21);
    for (let k = 0; k < passes; k++) {
      const before = delays.length;
      await api.postFeed(stream.next());
      for (let waited = 0; delays.length < before + clients && waited < 30_000; waited += 20) await sleep(20);
    }
  } finally {
    for (const l of listeners) l.close();
  }
  const result = {
    clients,
    passes,
    p50_ms: percentile(delays, 50),
    p99_ms: percentile(delays, 99),
    max_ms: delays.length ? Math.max(...delays) : Number.NaN,
  };
  log(
    `fleet reads: GET /events, ${clients} clients, ${delays.length} pass deliveries: from publish to arrival p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, max ${result.max_ms} ms`,
  );
  return result;
}
