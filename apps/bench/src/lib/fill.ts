import { performance } from 'node:perf_hooks';
import type { StatusDto } from '@tft/api-client';
import type { ApiProcess } from './api-process';
import { fillBodies, type FillPlan } from './bodies';
import type { ServerShape } from './fleet';
import type { Log } from './log';
import { sleep } from './proc';
import { num } from './report';

export const STEP = 300;
export const WINDOW_STEPS = 288; // the api's default retention (DEFAULT_RETENTION_STEPS; one more with a 288-step context)
export const FILL_BATCH = 2000;
const FILL_CONCURRENCY = 2;

export interface FillResult {
  servers: number;
  steps_per_server: number;
  records: number;
  seconds: number;
  records_per_second: number;
  /** From the end of the fill until every server was served a TFT forecast. */
  forecast_wait_s: number;
}

/** Back-fills `plan.steps` steps per server over two connections; throws when a batch is not stored in full. */
export async function fill(
  api: ApiProcess,
  servers: readonly ServerShape[],
  plan: FillPlan,
  what: string,
  log: Log,
): Promise<Omit<FillResult, 'forecast_wait_s'>> {
  const bodies = fillBodies(servers, plan);
  let records = 0;
  let lastReport = performance.now();
  const started = performance.now();
  const worker = async () => {
    for (let next = bodies.next(); !next.done; next = bodies.next()) {
      const { body, count } = next.value;
      const { status, json, text } = await api.postFeed(body);
      // a batch re-sent after a reset connection comes back as duplicates: stored either way
      if (json === null || json.records_added + json.duplicates !== count) {
        throw new Error(`${what}: a fill batch of ${count} records got HTTP ${status}: ${text.slice(0, 300)}`);
      }
      records += count;
      if (performance.now() - lastReport > 5000) {
        lastReport = performance.now();
        const s = (lastReport - started) / 1000;
        log(`${what}: ${num(records)} records in ${num(s, 1)} s (${num(records / s)} records/s), api RSS ${num(api.rssMb() ?? NaN)} MB`);
      }
    }
  };
  await Promise.all(Array.from({ length: FILL_CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  return {
    servers: servers.length,
    steps_per_server: plan.steps,
    records,
    seconds: +seconds.toFixed(2),
    records_per_second: Math.round(records / seconds),
  };
}

/** Waits until `n` servers are served TFT forecasts made after the fill (two ticks that began after it); seconds waited. */
export async function waitForTft(api: ApiProcess, n: number, what: string, log: Log, limitS: number): Promise<number> {
  const started = performance.now();
  const first = await api.getJson<StatusDto>('/status');
  let lastReport = started;
  for (;;) {
    const s = await api.getJson<StatusDto>('/status');
    const tft = s.servers.filter((x) => x.model === 'TFT').length;
    if (tft >= n && s.tick_count >= first.tick_count + 2) return (performance.now() - started) / 1000;
    const waited = (performance.now() - started) / 1000;
    if (waited > limitS) throw new Error(`${what}: only ${tft}/${n} servers had TFT forecasts after ${limitS} s`);
    if (performance.now() - lastReport > 5000) {
      lastReport = performance.now();
      log(
        `${what}: waiting for forecasts: ${tft}/${n} TFT, tick ${s.tick_count} (last tick ${num(s.inference.last_tick_ms)} ms), ${num(waited)} s`,
      );
    }
    await sleep(500);
  }
}
