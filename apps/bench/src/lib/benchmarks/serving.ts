import { bucketStart } from '@tft/forecasting';
import { describeMemory, memoryBreakdown, SETTLE_MS } from '../api-memory';
import { ApiProcess } from '../api-process';
import { fill, FILL_BATCH, STEP, waitForTft, WINDOW_STEPS, type FillResult } from '../fill';
import { makeFleet } from '../fleet';
import type { Log } from '../log';
import { sleep } from '../proc';
import { num } from '../report';
import { SEED } from '../rng';
import { benchFleetReads, type FleetReadsResult } from './fleet-reads';
import { benchMemory, type MemoryResult } from './memory';
import { benchPredictions, type PredictionsResult } from './predictions';
import { benchTick, type TickResult } from './tick';

export interface ServingResult {
  api_startup_ms: number;
  fill_1000: FillResult;
  fill_10000: FillResult | null;
  predictions_current: PredictionsResult | null;
  memory: MemoryResult | null;
  tick: TickResult | null;
  fleet_reads: FleetReadsResult | null;
}

/**
 * One api for the predictions, tick and memory benchmarks: 1,000 servers with full windows, then
 * GET /predictions/current under load, the tick latency, memory at 1,000 and at 10,000 servers, and
 * the fleet-scale reads at 10,000.
 */
export async function benchServing(o: {
  root: string;
  modelDir: string;
  quick: boolean;
  predictions: boolean;
  tick: boolean;
  memory: boolean;
  /** After memory's 10,000-server fill: the fleet-scale reads beside the whole-fleet body. */
  fleetReads?: boolean;
  log: Log;
  /** Seconds the 10,000-server fill may take before steps per server are cut (to the model's context + 1). */
  fill10kBudgetS?: number;
}): Promise<ServingResult> {
  const { log } = o;
  const api = await ApiProcess.start(o.root, { modelDir: o.modelDir });
  log(`serving: api up in ${api.startupMs} ms (pid ${api.pid}, RSS ${num(api.rssMb() ?? NaN)} MB)`);
  try {
    const fleet = makeFleet(10000, SEED + 11);
    const lastStep = bucketStart(Date.now() / 1000, STEP);
    const first = fleet.slice(0, 1000);
    const f1 = await fill(
      api,
      first,
      {
        lastStep,
        steps: WINDOW_STEPS,
        stepSeconds: STEP,
        batch: FILL_BATCH,
        seed: SEED + 12,
      },
      'fill 1000',
      log,
    );
    log(
      `fill 1000: ${num(f1.records)} records (${WINDOW_STEPS} steps x 1,000 servers) in ${num(f1.seconds, 1)} s = ${num(f1.records_per_second)} records/s`,
    );
    const wait1 = await waitForTft(api, 1000, 'fill 1000', log, 600);
    const fill1000: FillResult = { ...f1, forecast_wait_s: +wait1.toFixed(2) };
    await sleep(SETTLE_MS);
    const rss1000 = api.rssMb();
    const breakdown1000 = await memoryBreakdown(api);
    log(
      `serving: 1,000 servers forecast by the TFT ${num(wait1, 1)} s after the fill; api RSS ${num(rss1000 ?? NaN)} MB (${describeMemory(breakdown1000)})`,
    );

    const predictions = o.predictions ? await benchPredictions(api, 1000, o.quick, log) : null;
    const tick = o.tick ? await benchTick(api, first, lastStep, o.quick, log) : null;
    const memory = o.memory
      ? await benchMemory(
          api,
          {
            fleet,
            lastStep,
            records_per_second: f1.records_per_second,
            rss_mb: rss1000,
            breakdown: breakdown1000,
          },
          {
            quick: o.quick,
            budgetS: o.fill10kBudgetS ?? (o.quick ? 30 : 150),
            log,
          },
        )
      : null;
    const fleetReads = o.fleetReads && memory ? await benchFleetReads(api, fleet, o.quick, log) : null;
    return {
      api_startup_ms: api.startupMs,
      fill_1000: fill1000,
      fill_10000: memory?.fill_10000 ?? null,
      predictions_current: predictions,
      memory: memory?.memory ?? null,
      tick,
      fleet_reads: fleetReads,
    };
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    log(
      `serving: failed (${(err as Error).message}${cause ? `: ${cause.code ?? cause.message}` : ''}); the api is ${api.state()}; its log, last lines:\n${api.logTail(1500)}`,
    );
    throw err;
  } finally {
    await api.stop();
  }
}
