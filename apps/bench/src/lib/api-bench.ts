import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { bucketStart, isoSeconds } from '@tft/forecasting';
import { ApiProcess } from './api-process';
import { fillBodies, IngestStream, recordJson, type FillPlan } from './bodies';
import { makeFleet, sampleAt, type ServerShape } from './fleet';
import { SEED } from './inference';
import { seededRandom } from './rng';
import { sleep } from './proc';
import { readLoad, type ReadLoadResult } from './read-load';
import { median } from './stats';

type Log = (line: string) => void;

const STEP = 300;
const WINDOW_STEPS = 288; // the api's default retention: max(2 x encoder 144, 288)
const FILL_BATCH = 2000;
const FILL_CONCURRENCY = 2;
const fmt = (x: number, d = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : 'n/a');

// ---------------------------------------------------------------------------------------------- ingest

export interface IngestRun {
  connections: number;
  seconds: number;
  requests: number;
  records_added: number;
  records_per_second: number;
  duplicates: number;
  rejected: number;
  non_2xx: number;
  errors: number;
  timeouts: number;
  latency_p50_ms: number;
  latency_p99_ms: number;
  api_rss_mb: number | null;
}

export interface IngestResult {
  records_per_second: number;
  best_connections: number;
  batch: number;
  durability: string;
  runs: IngestRun[];
}

/**
 * POST /feed/data with 1,000-record bodies (1,000 servers, one sample each per 5-second slot: no body
 * repeats, no record is a duplicate) from autocannon, closed loop, for each connection count on a fresh
 * api (so earlier runs' servers do not make later ticks heavier).
 */
export async function benchIngest(o: { root: string; modelDir: string; quick: boolean; log: Log }): Promise<IngestResult> {
  const connections = o.quick ? [1, 4] : [1, 4, 8];
  const duration = o.quick ? 3 : 10;
  const batch = 1000;
  const runs: IngestRun[] = [];
  for (const c of connections) {
    const api = await ApiProcess.start(o.root, o.modelDir);
    o.log(`ingest: api up in ${api.startupMs} ms (pid ${api.pid}); ${c} connection(s), ${duration} s of ${batch}-record POST /feed/data`);
    try {
      const fleet = makeFleet(1000, SEED + 7);
      const t0 = bucketStart(Date.now() / 1000, STEP) - 2 * 86400;
      const stream = new IngestStream(fleet, t0, batch, 5, SEED + c);
      const tally = { added: 0, duplicates: 0, rejected: 0, bad: 0, firstBad: '' };
      const started = performance.now();
      const result = await autocannon({
        url: api.base,
        connections: c,
        duration,
        timeout: 60,
        headers: api.headers({ 'content-type': 'application/json' }),
        requests: [
          {
            method: 'POST',
            path: '/feed/data',
            setupRequest: (req) => ({ ...req, body: stream.next() }),
            onResponse: (status, body) => {
              if (status !== 200) {
                tally.bad++;
                tally.firstBad ||= `HTTP ${status} ${body.slice(0, 200)}`;
                return;
              }
              const r = JSON.parse(body) as { records_added: number; duplicates: number; rejected: unknown[] };
              tally.added += r.records_added;
              tally.duplicates += r.duplicates;
              tally.rejected += r.rejected.length;
            },
          },
        ],
      });
      const seconds = (performance.now() - started) / 1000;
      const run: IngestRun = {
        connections: c,
        seconds: +seconds.toFixed(2),
        requests: result['2xx'] + result.non2xx,
        records_added: tally.added,
        records_per_second: Math.round(tally.added / seconds),
        duplicates: tally.duplicates,
        rejected: tally.rejected,
        non_2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        latency_p50_ms: result.latency.p50,
        latency_p99_ms: result.latency.p99,
        api_rss_mb: api.rssMb(),
      };
      runs.push(run);
      o.log(
        `ingest: ${c} connection(s): ${fmt(run.records_per_second)} records/s stored (${run.requests} requests, ` +
          `p50 ${run.latency_p50_ms} ms, p99 ${run.latency_p99_ms} ms; duplicates ${run.duplicates}, rejected ${run.rejected}, ` +
          `non-2xx ${run.non_2xx}, errors ${run.errors})${tally.firstBad ? `; first failure: ${tally.firstBad}` : ''}`,
      );
    } finally {
      await api.stop();
    }
  }
  const best = runs.reduce((a, b) => (b.records_per_second > a.records_per_second ? b : a));
  return { records_per_second: best.records_per_second, best_connections: best.connections, batch, durability: 'SQLITE_SYNCHRONOUS=FULL (the default)', runs };
}

// ------------------------------------------------------------------------- predictions, memory, tick

export interface FillResult {
  servers: number;
  steps_per_server: number;
  records: number;
  seconds: number;
  records_per_second: number;
  /** From the end of the fill until every server was served a TFT forecast. */
  forecast_wait_s: number;
}

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

export interface MemoryResult {
  rss_mb_1000: number | null;
  rss_mb_10000: number | null;
  peak_rss_mb: number | null;
  steps_per_server_1000: number;
  steps_per_server_10000: number | null;
  /** The api's own view (`GET /status` memory) at the same moments. */
  breakdown_1000: MemoryBreakdown;
  breakdown_10000: MemoryBreakdown;
  /** The same api afterwards, while all 10,000 servers stream. */
  streaming_10000: StreamingResult;
  note: string | null;
}

/** Every server sends one sample each `sample_seconds`, in 1,000-record POSTs, as a live fleet would. */
export interface StreamingResult {
  servers: number;
  sample_seconds: number;
  seconds: number;
  records: number;
  /** Sampled after each round of POSTs. */
  rss_mb_max: number;
  rss_mb_end: number;
  /** `last_tick_ms` from /status after each round: a forecast pass refreshing every server's `current`. */
  tick_ms_max: number;
  breakdown_end: MemoryBreakdown;
}

export interface TickResult {
  ms: number;
  samples_ms: number[];
  min_ms: number;
  max_ms: number;
  forecast_interval_s: number;
  last_tick_ms_reported: number | null;
}

export interface ServingResult {
  api_startup_ms: number;
  fill_1000: FillResult;
  fill_10000: FillResult | null;
  predictions_current: PredictionsResult | null;
  memory: MemoryResult | null;
  tick: TickResult | null;
}

export interface MemoryBreakdown {
  rss_mb: number;
  heap_used_mb: number;
  heap_total_mb: number;
  array_buffers_mb: number;
  external_mb: number;
  /** RSS - V8 heap - external (or buffers when larger): onnxruntime (session, arena, worker thread), SQLite, code. */
  native_mb: number;
  /** The api's last full collection after replacing a large predictions body; null when none ran. */
  last_collection_ms: number | null;
}

/** Memory is read this long after the forecasts: the api collects a replaced predictions body 1 s after its tick. */
const SETTLE_MS = 2500;

async function memoryBreakdown(api: ApiProcess): Promise<MemoryBreakdown> {
  const { memory: m } = await api.getJson<StatusBody>('/status');
  // Node counts Buffers in `external`, but with a worker thread `arrayBuffers` can come out larger
  const outside = Math.max(m.external_mb, m.array_buffers_mb);
  return { ...m, native_mb: +(m.rss_mb - m.heap_total_mb - outside).toFixed(1) };
}

const describe = (b: MemoryBreakdown) =>
  `V8 heap ${fmt(b.heap_used_mb)} of ${fmt(b.heap_total_mb)} MB, buffers ${fmt(b.array_buffers_mb)} MB, ` +
  `external ${fmt(b.external_mb)} MB, native ${fmt(b.native_mb)} MB` +
  (b.last_collection_ms === null ? '' : `, last full GC ${fmt(b.last_collection_ms, 1)} ms`);

interface StatusBody {
  tick_count: number;
  memory: Omit<MemoryBreakdown, 'native_mb'>;
  fleet: { total_servers: number };
  inference: { forecast_interval_seconds?: number; last_tick_ms?: number };
  servers?: { server_name: string; model: string | null }[];
}

async function fill(api: ApiProcess, servers: readonly ServerShape[], plan: FillPlan, what: string, log: Log): Promise<Omit<FillResult, 'forecast_wait_s'>> {
  const bodies = fillBodies(servers, plan);
  let records = 0;
  let lastReport = performance.now();
  const started = performance.now();
  const worker = async () => {
    for (let next = bodies.next(); !next.done; next = bodies.next()) {
      const { body, count } = next.value;
      const { status, json } = await api.post('/feed/data', body);
      // a batch re-sent after a reset connection comes back as duplicates: stored either way
      if (status !== 200 || Number(json['records_added']) + Number(json['duplicates']) !== count) {
        throw new Error(`${what}: a fill batch of ${count} records got HTTP ${status}: ${JSON.stringify(json).slice(0, 300)}`);
      }
      records += count;
      if (performance.now() - lastReport > 5000) {
        lastReport = performance.now();
        const s = (lastReport - started) / 1000;
        log(`${what}: ${fmt(records)} records in ${fmt(s, 1)} s (${fmt(records / s)} records/s), api RSS ${fmt(api.rssMb() ?? NaN)} MB`);
      }
    }
  };
  await Promise.all(Array.from({ length: FILL_CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { servers: servers.length, steps_per_server: plan.steps, records, seconds: +seconds.toFixed(2), records_per_second: Math.round(records / seconds) };
}

/**
 * Streams one sample per server every 5 s (10,000 servers: 2,000 records/s) for `seconds`, starting
 * at the current time, and samples the api's memory and tick time after each round.
 */
async function streamFleet(api: ApiProcess, fleet: readonly ServerShape[], seconds: number, log: Log): Promise<StreamingResult> {
  const sampleSeconds = 5;
  const batch = 1000;
  const stream = new IngestStream(fleet, Math.floor(Date.now() / 1000), batch, sampleSeconds, SEED + 14);
  const rounds = Math.max(1, Math.round(seconds / sampleSeconds));
  let rssMax = 0;
  let tickMax = 0;
  for (let k = 1; k <= rounds; k++) {
    const started = performance.now();
    for (let i = 0; i < Math.ceil(fleet.length / batch); i++) {
      const { status, json } = await api.post('/feed/data', stream.next());
      if (status !== 200 || json['records_added'] !== batch) {
        throw new Error(`streaming: a batch of ${batch} records got HTTP ${status}: ${JSON.stringify(json).slice(0, 300)}`);
      }
    }
    const status = await api.getJson<StatusBody>('/status');
    const rss = api.rssMb() ?? status.memory.rss_mb;
    rssMax = Math.max(rssMax, rss);
    tickMax = Math.max(tickMax, status.inference.last_tick_ms ?? 0);
    if (k % 3 === 0 || k === rounds) {
      log(`streaming: ${fmt(k * sampleSeconds)} s of ${fmt(fleet.length)} servers at one sample per ${sampleSeconds} s: api RSS ${fmt(rss)} MB (max ${fmt(rssMax)}), last tick ${fmt(status.inference.last_tick_ms ?? NaN)} ms`);
    }
    await sleep(Math.max(0, sampleSeconds * 1000 - (performance.now() - started)));
  }
  await sleep(SETTLE_MS);
  const breakdown = await memoryBreakdown(api);
  return {
    servers: fleet.length,
    sample_seconds: sampleSeconds,
    seconds: rounds * sampleSeconds,
    records: stream.emitted,
    rss_mb_max: rssMax,
    rss_mb_end: api.rssMb() ?? breakdown.rss_mb,
    tick_ms_max: Math.round(tickMax),
    breakdown_end: breakdown,
  };
}

/** Waits until `n` servers are served TFT forecasts made after the fill (two ticks that began after it). */
async function waitForTft(api: ApiProcess, n: number, what: string, log: Log, limitS: number): Promise<number> {
  const started = performance.now();
  const first = await api.getJson<StatusBody>('/status');
  let lastReport = started;
  for (;;) {
    const s = await api.getJson<StatusBody>('/status');
    const tft = (s.servers ?? []).filter((x) => x.model === 'TFT').length;
    if (tft >= n && s.tick_count >= first.tick_count + 2) return (performance.now() - started) / 1000;
    const waited = (performance.now() - started) / 1000;
    if (waited > limitS) throw new Error(`${what}: only ${tft}/${n} servers had TFT forecasts after ${limitS} s`);
    if (performance.now() - lastReport > 5000) {
      lastReport = performance.now();
      log(`${what}: waiting for forecasts: ${tft}/${n} TFT, tick ${s.tick_count} (last tick ${fmt(s.inference.last_tick_ms ?? NaN)} ms), ${fmt(waited)} s`);
    }
    await sleep(500);
  }
}

/**
 * One api: 1,000 servers with full windows, then GET /predictions/current under load, the tick latency,
 * and memory at 1,000 and at 10,000 servers.
 */
export async function benchServing(o: {
  root: string;
  modelDir: string;
  quick: boolean;
  predictions: boolean;
  tick: boolean;
  memory: boolean;
  log: Log;
  /** Seconds the 10,000-server fill may take before steps per server are cut (to the model's context + 1). */
  fill10kBudgetS?: number;
}): Promise<ServingResult> {
  const { log } = o;
  const api = await ApiProcess.start(o.root, o.modelDir);
  log(`serving: api up in ${api.startupMs} ms (pid ${api.pid}, RSS ${fmt(api.rssMb() ?? NaN)} MB)`);
  try {
    const fleet = makeFleet(10000, SEED + 11);
    const lastStep = bucketStart(Date.now() / 1000, STEP);
    const first = fleet.slice(0, 1000);
    const f1 = await fill(api, first, { lastStep, steps: WINDOW_STEPS, stepSeconds: STEP, batch: FILL_BATCH, seed: SEED + 12 }, 'fill 1000', log);
    log(`fill 1000: ${fmt(f1.records)} records (${WINDOW_STEPS} steps x 1,000 servers) in ${fmt(f1.seconds, 1)} s = ${fmt(f1.records_per_second)} records/s`);
    const wait1 = await waitForTft(api, 1000, 'fill 1000', log, 600);
    const fill1000: FillResult = { ...f1, forecast_wait_s: +wait1.toFixed(2) };
    await sleep(SETTLE_MS);
    const rss1000 = api.rssMb();
    const breakdown1000 = await memoryBreakdown(api);
    log(`serving: 1,000 servers forecast by the TFT ${fmt(wait1, 1)} s after the fill; api RSS ${fmt(rss1000 ?? NaN)} MB (${describe(breakdown1000)})`);

    let predictions: PredictionsResult | null = null;
    if (o.predictions) predictions = await benchPredictions(api, 1000, o.quick, log);

    let tick: TickResult | null = null;
    if (o.tick) tick = await benchTick(api, first, lastStep, o.quick, log);

    let memory: MemoryResult | null = null;
    let fill10000: FillResult | null = null;
    if (o.memory) {
      const rest = fleet.slice(1000);
      const budget = o.fill10kBudgetS ?? (o.quick ? 30 : 150);
      const estimate = (rest.length * WINDOW_STEPS) / f1.records_per_second;
      const steps = estimate <= budget ? WINDOW_STEPS : 145;
      const note =
        steps === WINDOW_STEPS
          ? null
          : `the 9,000 added servers got ${steps} steps each (the model's 144-step context + the open step), not ${WINDOW_STEPS}: ` +
            `a full fill would take ~${fmt(estimate)} s at ${fmt(f1.records_per_second)} records/s (budget ${budget} s). ` +
            `Each window's ring is preallocated for ${WINDOW_STEPS} steps, so this hardly changes RSS`;
      if (note) log(`memory: ${note}`);
      const f10 = await fill(api, rest, { lastStep, steps, stepSeconds: STEP, batch: FILL_BATCH, seed: SEED + 13 }, 'fill 10000', log);
      log(`fill 10000: ${fmt(f10.records)} more records in ${fmt(f10.seconds, 1)} s = ${fmt(f10.records_per_second)} records/s`);
      const wait10 = await waitForTft(api, 10000, 'fill 10000', log, 900);
      fill10000 = { ...f10, forecast_wait_s: +wait10.toFixed(2) };
      await sleep(SETTLE_MS);
      const rss10000 = api.rssMb();
      const breakdown10000 = await memoryBreakdown(api);
      log(
        `memory: 10,000 servers forecast by the TFT ${fmt(wait10, 1)} s after the fill; api RSS ${fmt(rss10000 ?? NaN)} MB ` +
          `(peak ${fmt(api.peakRssMb() ?? NaN)} MB; ${describe(breakdown10000)})`,
      );
      const streaming = await streamFleet(api, fleet, o.quick ? 15 : 60, log);
      memory = {
        rss_mb_1000: rss1000,
        rss_mb_10000: rss10000,
        peak_rss_mb: api.peakRssMb(),
        steps_per_server_1000: WINDOW_STEPS,
        steps_per_server_10000: steps,
        breakdown_1000: breakdown1000,
        breakdown_10000: breakdown10000,
        streaming_10000: streaming,
        note,
      };
    }
    return { api_startup_ms: api.startupMs, fill_1000: fill1000, fill_10000: fill10000, predictions_current: predictions, memory, tick };
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    log(`serving: failed (${(err as Error).message}${cause ? `: ${cause.code ?? cause.message}` : ''}); the api is ${api.state()}; its log, last lines:\n${api.logTail(1500)}`);
    throw err;
  } finally {
    await api.stop();
  }
}

async function benchPredictions(api: ApiProcess, servers: number, quick: boolean, log: Log): Promise<PredictionsResult> {
  const got = await api.getText('/predictions/current');
  const body = JSON.parse(got.text) as { metadata: { servers_tft: number } };
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
    `predictions: GET /predictions/current is ${fmt(bodyBytes / 1024 ** 2, 2)} MB for ${servers} servers (${body.metadata.servers_tft} TFT)` +
      `${gzipBytes ? `, ${fmt(gzipBytes / 1024 ** 2, 2)} MB gzipped` : ', not compressed'}; ${duration} s per run`,
  );
  // The headline: the plain body at 10 connections from a client that only counts bytes. One reader
  // and gzip show where the time goes; autocannon (which builds a string of every body) is kept for
  // comparison with earlier figures.
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
      const r = await readLoad({ url, connections: c, durationS: duration, headers });
      run = { client, connections: c, encoding, ...r };
    } else {
      const r = await autocannon({ url, connections: c, duration, timeout: 30, headers });
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
        `${fmt(run.requests_per_second, 1)} requests/s (${fmt(run.megabytes_per_second)} MB/s), non-2xx ${run.non_2xx}, errors ${run.errors}`,
    );
  }
  const head = runs[0];
  const out: PredictionsResult = {
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
  return out;
}

/**
 * POST the first sample of the next step for one server (which closes its newest step) and poll
 * GET /servers/{name} every ~5 ms until forecast_origin moves on. The start of each sample is spread
 * over the forecast interval so the figure is not locked to the tick's phase.
 */
async function benchTick(api: ApiProcess, servers: readonly ServerShape[], lastStep: number, quick: boolean, log: Log): Promise<TickResult> {
  const status = await api.getJson<StatusBody>('/status');
  const interval = status.inference.forecast_interval_seconds ?? 5;
  const n = quick ? 2 : 6;
  const rand = seededRandom(SEED + 21);
  const samples: number[] = [];
  for (let k = 0; k < n; k++) {
    const s = servers[(k * 97 + 13) % servers.length];
    const path = `/servers/${encodeURIComponent(s.name)}`;
    const before = (await api.getJson<{ forecast: { forecast_origin: string; model: string } | null }>(path)).forecast;
    if (!before || before.model !== 'TFT') throw new Error(`tick: ${s.name} has no TFT forecast to advance`);
    await sleep(((k + 0.5) / n) * interval * 1000);
    const t = lastStep + STEP + 3;
    const started = performance.now();
    const { status: code, json } = await api.post('/feed/data', `{"records":[${recordJson(s, t, sampleAt(s, t, rand))}]}`);
    if (code !== 200 || json['records_added'] !== 1) throw new Error(`tick: POST got HTTP ${code} ${JSON.stringify(json).slice(0, 200)}`);
    for (;;) {
      const now = (await api.getJson<{ forecast: { forecast_origin: string } | null }>(path)).forecast;
      if (now && now.forecast_origin !== before.forecast_origin) {
        const ms = performance.now() - started;
        samples.push(+ms.toFixed(1));
        log(`tick: ${s.name}: forecast_origin ${before.forecast_origin} -> ${now.forecast_origin} (expected ${isoSeconds(lastStep)}) after ${fmt(ms)} ms`);
        break;
      }
      if (performance.now() - started > 120_000) throw new Error(`tick: ${s.name}'s forecast did not advance within 120 s`);
      await sleep(5);
    }
  }
  const after = await api.getJson<StatusBody>('/status');
  const med = median(samples);
  log(`tick: median ${fmt(med)} ms over ${n} (FORECAST_INTERVAL_S=${interval}; the api's last tick took ${fmt(after.inference.last_tick_ms ?? NaN)} ms)`);
  return {
    ms: +med.toFixed(1),
    samples_ms: samples,
    min_ms: Math.min(...samples),
    max_ms: Math.max(...samples),
    forecast_interval_s: interval,
    last_tick_ms_reported: after.inference.last_tick_ms ?? null,
  };
}


