import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { isoSeconds } from '@tft/forecasting';
import type { Holdout } from './args';
import { contractRows, headerOf } from './contract-csv';

/** The grid and windows of the model being fine-tuned (its metadata.json). */
export interface ModelShape {
  stepSeconds: number;
  horizon: number;
  maxEncoder: number;
}

/**
 * The training part must hold train.py's validation split (the last 15 % of each series by time) with a
 * whole horizon of targets after its first origin, and still leave most of it to train on.
 */
export const MIN_TRAINING_DAYS = 3;
/** The backtest scores a series from 4 origins on (runBacktest skips shorter ones). */
const MIN_ORIGINS = 4;
const DAY = 86_400;

export class HistoryTooShortError extends Error {}

/** Where the history is cut: training rows start before `cut`; held-out rows from `contextStart` on. */
export interface SplitPlan {
  /** First and last step start in the history (epoch seconds). */
  first: number;
  last: number;
  /** The first held-out step: its targets and all later ones are never trained on. */
  cut: number;
  /**
   * Where the held-out file starts: a full encoder (at least a day, which the backtest's first origin
   * needs) before the cut, so the first scored origin sits at the cut; those steps are only inputs.
   */
  contextStart: number;
  trainingSteps: number;
  heldOutSteps: number;
}

/**
 * The most recent part of the history held out from training (a share of the span, or a length),
 * on the model's step grid. Throws HistoryTooShortError naming what is missing.
 */
export function planSplit(first: number, last: number, holdout: Holdout, model: ModelShape, stride: number): SplitPlan {
  const step = model.stepSeconds;
  const end = Math.floor(last / step) * step + step; // the end of the last step
  const start = Math.floor(first / step) * step;
  const spanSteps = (end - start) / step;
  const heldOutSteps = 'share' in holdout ? Math.round(spanSteps * holdout.share) : Math.ceil(holdout.seconds / step);
  const cut = end - heldOutSteps * step;
  const contextSteps = Math.max(model.maxEncoder, Math.round(DAY / step));
  const needHeld = model.horizon + (MIN_ORIGINS - 1) * stride + 1;
  const needTrain = Math.ceil((MIN_TRAINING_DAYS * DAY) / step);
  const trainingSteps = (cut - start) / step;
  const days = (s: number) => `${((s * step) / DAY).toFixed(1)} days`;
  const span = `the history runs ${isoSeconds(start)} to ${isoSeconds(end)} (${days(spanSteps)})`;
  if (heldOutSteps < needHeld) {
    throw new HistoryTooShortError(
      `${span}: the held-out part is ${heldOutSteps} steps, the backtest needs at least ${needHeld} ` +
        `(a ${model.horizon}-step horizon after ${MIN_ORIGINS} origins every ${stride} steps); raise --holdout or bring more history`,
    );
  }
  if (trainingSteps < needTrain) {
    throw new HistoryTooShortError(
      `${span}: ${days(trainingSteps)} before the held-out part; fine-tuning needs at least ${MIN_TRAINING_DAYS} days ` +
        '(lower --holdout or bring more history)',
    );
  }
  return { first: start, last: end - step, cut, contextStart: cut - contextSteps * step, trainingSteps, heldOutSteps };
}

/** First and last row time, rows and servers of a contract CSV. */
export async function historyExtent(file: string): Promise<{ first: number; last: number; rows: number; servers: number }> {
  let first = Infinity;
  let last = -Infinity;
  let rows = 0;
  const servers = new Set<string>();
  for await (const { time, server } of contractRows(file)) {
    if (time < first) first = time;
    if (time > last) last = time;
    rows++;
    servers.add(server);
  }
  return { first, last, rows, servers: servers.size };
}

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function close(stream: WriteStream): Promise<void> {
  stream.end();
  await once(stream, 'finish');
}

/** Streams the history into the training file (rows before the cut) and the held-out file (from contextStart). */
export async function splitHistory(
  file: string,
  plan: SplitPlan,
  trainingFile: string,
  heldOutFile: string,
): Promise<{ trainingRows: number; heldOutRows: number; heldOutServers: number }> {
  const header = `${await headerOf(file)}\n`;
  const training = createWriteStream(trainingFile);
  const heldOut = createWriteStream(heldOutFile);
  await write(training, header);
  await write(heldOut, header);
  let trainingRows = 0;
  let heldOutRows = 0;
  const servers = new Set<string>();
  for await (const { line, time, server } of contractRows(file)) {
    if (time < plan.cut) {
      await write(training, `${line}\n`);
      trainingRows++;
    }
    if (time >= plan.contextStart) {
      await write(heldOut, `${line}\n`);
      heldOutRows++;
      if (time >= plan.cut) servers.add(server);
    }
  }
  await close(training);
  await close(heldOut);
  return { trainingRows, heldOutRows, heldOutServers: servers.size };
}
