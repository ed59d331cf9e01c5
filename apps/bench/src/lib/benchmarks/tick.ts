import { performance } from 'node:perf_hooks';
import type { ServerDetailDto, StatusDto } from '@tft/api-client';
import { isoSeconds } from '@tft/forecasting';
import type { ApiProcess } from '../api-process';
import { recordJson } from '../bodies';
import { STEP } from '../fill';
import { sampleAt, type ServerShape } from '../fleet';
import type { Log } from '../log';
import { sleep } from '../proc';
import { num } from '../report';
import { SEED, seededRandom } from '../rng';
import { median } from '../stats';

export interface TickResult {
  ms: number;
  samples_ms: number[];
  min_ms: number;
  max_ms: number;
  forecast_interval_s: number;
  last_tick_ms_reported: number | null;
}

/**
 * POST the first sample of the next step for one server (which closes its newest step) and poll
 * GET /servers/{name} every ~5 ms until forecast_origin moves on. The start of each sample is spread
 * over the forecast interval so the figure is not locked to the tick's phase.
 */
export async function benchTick(
  api: ApiProcess,
  servers: readonly ServerShape[],
  lastStep: number,
  quick: boolean,
  log: Log,
): Promise<TickResult> {
  const status = await api.getJson<StatusDto>('/status');
  const interval = status.inference.forecast_interval_seconds;
  const n = quick ? 2 : 6;
  const rand = seededRandom(SEED + 21);
  const samples: number[] = [];
  for (let k = 0; k < n; k++) {
    const s = servers[(k * 97 + 13) % servers.length];
    const path = `/servers/${encodeURIComponent(s.name)}`;
    const before = (await api.getJson<ServerDetailDto>(path)).forecast;
    if (!before || before.model !== 'TFT') throw new Error(`tick: ${s.name} has no TFT forecast to advance`);
    await sleep(((k + 0.5) / n) * interval * 1000);
    const t = lastStep + STEP + 3;
    const started = performance.now();
    const { status: code, json, text } = await api.postFeed(`{"records":[${recordJson(s, t, sampleAt(s, t, rand))}]}`);
    if (json === null || json.records_added !== 1) throw new Error(`tick: POST got HTTP ${code} ${text.slice(0, 200)}`);
    for (;;) {
      const now = (await api.getJson<ServerDetailDto>(path)).forecast;
      if (now && now.forecast_origin !== before.forecast_origin) {
        const ms = performance.now() - started;
        samples.push(+ms.toFixed(1));
        log(
          `tick: ${s.name}: forecast_origin ${before.forecast_origin} -> ${now.forecast_origin} (expected ${isoSeconds(lastStep)}) after ${num(ms)} ms`,
        );
        break;
      }
      if (performance.now() - started > 120_000) throw new Error(`tick: ${s.name}'s forecast did not advance within 120 s`);
      await sleep(5);
    }
  }
  const after = await api.getJson<StatusDto>('/status');
  const med = median(samples);
  log(
    `tick: median ${num(med)} ms over ${n} (FORECAST_INTERVAL_S=${interval}; the api's last tick took ${num(after.inference.last_tick_ms)} ms)`,
  );
  return {
    ms: +med.toFixed(1),
    samples_ms: samples,
    min_ms: Math.min(...samples),
    max_ms: Math.max(...samples),
    forecast_interval_s: interval,
    last_tick_ms_reported: after.inference.last_tick_ms,
  };
}
