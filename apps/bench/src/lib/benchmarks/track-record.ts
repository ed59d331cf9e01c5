import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { METRICS } from '@tft/contracts';
import {
  BreachOnsetDetector,
  newRecord,
  originBytes,
  originForecast,
  RECORD_LENGTH,
  type MetricForecasts,
  type OriginForecast,
  type StepSeries,
} from '@tft/forecasting';

/**
 * What the api's live track record holds per server (apps/api/src/track-record: TrackRecordService's
 * ServerState), built from the same @tft/forecasting structures for a fleet at steady state: the
 * origins waiting for their horizon's actuals (one every `every` steps, each held for the 96-step
 * horizon), the open hour and day slices, the breach detectors. Gives the typed-array bytes by the
 * formula and the V8 heap plus array buffers measured per server after full collections.
 */
export interface TrackRecordMemoryResult {
  servers: number;
  every: number;
  /** Origins held per server at the fullest point: ceil(horizon / every). */
  origins_per_server: number;
  /** Typed arrays alone: origins and open slices. */
  array_bytes_per_server: number;
  /** Measured: heap used plus array buffers after a full collection, per server. */
  measured_bytes_per_server: number;
}

const HORIZON = 96;
const STEP = 300;
const CONTEXT = 288;

/** One server's day of history and a TFT-shaped forecast (float32 quantiles, as onnxruntime gives them). */
function day(seed: number): { series: StepSeries; forecast: MetricForecasts } {
  const values = new Float32Array(CONTEXT * METRICS.length);
  const mask = new Float32Array(CONTEXT * METRICS.length).fill(1);
  for (let i = 0; i < CONTEXT; i++) for (let m = 0; m < METRICS.length; m++) values[i * 4 + m] = 40 + 20 * Math.sin(i / 46 + seed + m);
  const forecast = {} as MetricForecasts;
  METRICS.forEach((metric, m) => {
    const q = (d: number) => Array.from({ length: HORIZON }, (_, h) => Math.fround(values[(CONTEXT - 1) * 4 + m] + d * Math.sqrt(h + 1)));
    forecast[metric] = { p10: q(-2), p50: q(0), p90: q(2) };
  });
  return { series: { t0: 0, stepSeconds: STEP, length: CONTEXT, values, mask, samples: new Uint32Array(CONTEXT).fill(1) }, forecast };
}

interface HeldState {
  profile: string | null;
  firstSeen: number;
  phase: number;
  lastStep: number;
  pending: OriginForecast[];
  open: Map<number, { start: number; sums: Float64Array }>;
  detectors: BreachOnsetDetector[];
  onsets: number[][];
  ended: unknown[];
}

function held(servers: number, every: number): Map<string, HeldState> {
  const perServer = Math.ceil(HORIZON / every);
  const out = new Map<string, HeldState>();
  for (let s = 0; s < servers; s++) {
    const { series, forecast } = day(s);
    const pending: OriginForecast[] = [];
    for (let k = 0; k < perServer; k++)
      pending.push(
        originForecast(series, CONTEXT - 1, forecast, { horizon: HORIZON, maxEncoder: CONTEXT, minEncoder: 12 }) as OriginForecast,
      );
    out.set(`srv${String(s).padStart(6, '0')}`, {
      profile: 'web_api',
      firstSeen: 0,
      phase: s % every,
      lastStep: CONTEXT * STEP,
      pending,
      open: new Map([
        [3600, { start: 0, sums: newRecord() }],
        [86_400, { start: 0, sums: newRecord() }],
      ]),
      detectors: METRICS.map(() => new BreachOnsetDetector(STEP)),
      onsets: METRICS.map(() => []),
      ended: [],
    });
  }
  return out;
}

/** A full collection, with or without node's --expose-gc (the flag can be set at run time for a new context). */
function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function used(gc: () => void): number {
  gc();
  gc(); // array buffers are released by the collection after the one that finds them dead
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Per-server bytes of the record at steady state for `servers` servers and TRACK_RECORD_ORIGIN_EVERY =
 * `every`. Run each setting in a process of its own: buffers freed by an earlier run are returned to the
 * process lazily and would blur the next measurement.
 */
export function benchTrackRecordMemory(servers: number, every: number): TrackRecordMemoryResult {
  const gc = collector();
  const before = used(gc);
  const states = held(servers, every);
  const after = used(gc);
  const origins = Math.ceil(HORIZON / every);
  const result: TrackRecordMemoryResult = {
    servers: states.size,
    every,
    origins_per_server: origins,
    array_bytes_per_server: origins * originBytes(HORIZON) + 2 * RECORD_LENGTH * 8,
    measured_bytes_per_server: Math.round((after - before) / servers),
  };
  states.clear();
  return result;
}
