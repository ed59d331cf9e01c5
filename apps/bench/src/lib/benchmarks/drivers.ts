import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { INPUT_GROUPS } from '@tft/forecasting';
import { TftRunner } from '@tft/tft-runner';
import { modelHistories } from '../fleet';
import type { Log } from '../log';
import { median } from '../stats';

export interface DriversResult {
  servers: number;
  reps: number;
  /** One server's forecast alone (TftRunner.forecast of one request): the baseline. */
  forecast_ms_median: number;
  /** One server's attribution (TftRunner.attribute: the forecast and its ablations in one call): what GET /servers/{name}/drivers costs uncached. */
  attribute_ms_median: number;
  /** attribute / forecast, measured alternately in this process. */
  ratio: number;
  /** Rows the attribution's one call runs. */
  rows_per_call: number;
}

/**
 * The cost of one drivers request beside a one-server forecast, on the shipped model in this process:
 * the two calls alternate over the same servers, so a noisy machine slows both alike.
 */
export async function benchDrivers(opts: { modelDir: string; quick: boolean; log: Log }): Promise<DriversResult> {
  // onnxruntime's threads as the api sets them on the CPU: all cores but the event loop's
  const runner = await TftRunner.load(opts.modelDir, { intraOpNumThreads: Math.max(1, cpus().length - 1) });
  try {
    const servers = opts.quick ? 5 : 20;
    const reps = opts.quick ? 2 : 5;
    const items = modelHistories(runner.metadata, servers);
    opts.log(`drivers: ${servers} servers x ${reps}, forecast and attribution alternating`);
    await runner.forecast([items[0]]);
    await runner.attribute(items[0]);
    const forecast: number[] = [];
    const attribute: number[] = [];
    for (let r = 0; r < reps; r++) {
      for (const item of items) {
        let t = performance.now();
        await runner.forecast([item]);
        forecast.push(performance.now() - t);
        t = performance.now();
        await runner.attribute(item);
        attribute.push(performance.now() - t);
      }
    }
    const f = median(forecast);
    const a = median(attribute);
    return {
      servers,
      reps,
      forecast_ms_median: +f.toFixed(2),
      attribute_ms_median: +a.toFixed(2),
      ratio: +(a / f).toFixed(2),
      rows_per_call: 1 + INPUT_GROUPS.length,
    };
  } finally {
    await runner.release();
  }
}
