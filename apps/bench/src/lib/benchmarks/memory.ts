import { performance } from 'node:perf_hooks';
import type { StatusDto } from '@tft/api-client';
import { describeMemory, memoryBreakdown, SETTLE_MS, type MemoryBreakdown } from '../api-memory';
import type { ApiProcess } from '../api-process';
import { IngestStream } from '../bodies';
import { fill, FILL_BATCH, STEP, waitForTft, WINDOW_STEPS, type FillResult } from '../fill';
import type { ServerShape } from '../fleet';
import type { Log } from '../log';
import { sleep } from '../proc';
import { num } from '../report';
import { SEED } from '../rng';

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

/** Where the serving api stands after its first 1,000 servers are forecast. */
export interface FirstFill {
  /** The first 1,000 servers are filled; the rest are added here. */
  fleet: readonly ServerShape[];
  lastStep: number;
  records_per_second: number;
  rss_mb: number | null;
  breakdown: MemoryBreakdown;
}

/**
 * Fills the other 9,000 servers of `first.fleet` (fewer steps each when a full fill would overrun
 * `budgetS`), waits for their forecasts, reads the api's memory, then streams all of them.
 */
export async function benchMemory(
  api: ApiProcess,
  first: FirstFill,
  o: { quick: boolean; budgetS: number; log: Log },
): Promise<{ memory: MemoryResult; fill_10000: FillResult }> {
  const { log } = o;
  const rest = first.fleet.slice(1000);
  const estimate = (rest.length * WINDOW_STEPS) / first.records_per_second;
  const steps = estimate <= o.budgetS ? WINDOW_STEPS : 145;
  const note =
    steps === WINDOW_STEPS
      ? null
      : `the 9,000 added servers got ${steps} steps each (12 h and the open step), not ${WINDOW_STEPS}: ` +
        `a full fill would take ~${num(estimate)} s at ${num(first.records_per_second)} records/s (budget ${o.budgetS} s). ` +
        `Each window's ring is preallocated for the whole retention, so this hardly changes RSS`;
  if (note) log(`memory: ${note}`);
  const f10 = await fill(
    api,
    rest,
    {
      lastStep: first.lastStep,
      steps,
      stepSeconds: STEP,
      batch: FILL_BATCH,
      seed: SEED + 13,
    },
    'fill 10000',
    log,
  );
  log(`fill 10000: ${num(f10.records)} more records in ${num(f10.seconds, 1)} s = ${num(f10.records_per_second)} records/s`);
  const wait10 = await waitForTft(api, 10000, 'fill 10000', log, 900);
  const fill10000: FillResult = { ...f10, forecast_wait_s: +wait10.toFixed(2) };
  await sleep(SETTLE_MS);
  const rss10000 = api.rssMb();
  const breakdown10000 = await memoryBreakdown(api);
  log(
    `memory: 10,000 servers forecast by the TFT ${num(wait10, 1)} s after the fill; api RSS ${num(rss10000 ?? NaN)} MB ` +
      `(peak ${num(api.peakRssMb() ?? NaN)} MB; ${describeMemory(breakdown10000)})`,
  );
  const streaming = await streamFleet(api, first.fleet, o.quick ? 15 : 60, log);
  const memory: MemoryResult = {
    rss_mb_1000: first.rss_mb,
    rss_mb_10000: rss10000,
    peak_rss_mb: api.peakRssMb(),
    steps_per_server_1000: WINDOW_STEPS,
    steps_per_server_10000: steps,
    breakdown_1000: first.breakdown,
    breakdown_10000: breakdown10000,
    streaming_10000: streaming,
    note,
  };
  return { memory, fill_10000: fill10000 };
}

/**
 * Streams one sample per server every `sampleSeconds` for `seconds`, starting at the current time, and
 * samples the api's memory and tick time after each round.
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
      const { status, json, text } = await api.postFeed(stream.next());
      if (json === null || json.records_added !== batch) {
        throw new Error(`streaming: a batch of ${batch} records got HTTP ${status}: ${text.slice(0, 300)}`);
      }
    }
    const status = await api.getJson<StatusDto>('/status');
    const rss = api.rssMb() ?? status.memory.rss_mb;
    rssMax = Math.max(rssMax, rss);
    tickMax = Math.max(tickMax, status.inference.last_tick_ms);
    if (k % 3 === 0 || k === rounds) {
      log(
        `streaming: ${num(k * sampleSeconds)} s of ${num(fleet.length)} servers at one sample per ${sampleSeconds} s: api RSS ${num(rss)} MB (max ${num(rssMax)}), last tick ${num(status.inference.last_tick_ms)} ms`,
      );
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
