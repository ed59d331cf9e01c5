import { METRICS } from '@tft/contracts';
import type { StepSeries } from './step-grid';

/**
 * What counts as a breach and when an alert was right about one: the definitions `npm run
 * alert-quality` replays history with and the api's live track record scores every alert that ends
 * with, so both report the same precision.
 */

const N_METRICS = METRICS.length;

/** A breach starts after at least this long with every observed step below warning. */
export const QUIET_BEFORE_SECONDS = 3600;
/** ... and holds for at least this many consecutive observed steps at or over it. */
export const BREACH_MIN_STEPS = 2;
/** An episode is true when a breach begins within its predicted window widened by this much either side. */
export const PRECISION_GRACE_SECONDS = 1800;
/**
 * An episode without a breach in its window is late when one begins within this long after the window
 * closes (the forecast's horizon: a later breach is a new story), false when none does.
 */
export const LATE_WITHIN_SECONDS = 8 * 3600;

/**
 * Breach onsets of one metric, step by step in time order: the start of the first step at or over
 * `warning` held for BREACH_MIN_STEPS consecutive observed steps, after QUIET_BEFORE_SECONDS with every
 * observed step below it (and at least half of that time observed). An onset is known once the steps
 * that confirm it arrive.
 */
export class BreachOnsetDetector {
  private readonly quietSteps: number;
  /** Index of the last observed step at or over warning. */
  private lastOver = Number.NEGATIVE_INFINITY;
  /** Observed steps below warning since then. */
  private quietObserved = 0;
  /** Index of the last step handed in. */
  private last = Number.NEGATIVE_INFINITY;
  /** Consecutive observed steps at or over warning ending at `last`. */
  private run = 0;
  /** Start of a run's first step that qualifies as an onset once the run is long enough; null when none. */
  private candidate: number | null = null;

  constructor(readonly stepSeconds: number) {
    this.quietSteps = Math.round(QUIET_BEFORE_SECONDS / stepSeconds);
  }

  /**
   * Hands in the step starting at `start` (epoch s, after the previous one; steps not handed in are
   * unobserved) with its value, null when unobserved. Returns the onset this step confirmed (epoch s), or null.
   */
  step(start: number, value: number | null, warning: number): number | null {
    const i = Math.round(start / this.stepSeconds);
    if (i <= this.last) return null;
    if (i !== this.last + 1) this.run = 0; // a gap ends a run
    this.last = i;
    if (value === null) {
      this.run = 0;
      return null;
    }
    if (value < warning) {
      this.quietObserved++;
      this.run = 0;
      return null;
    }
    if (this.run === 0) {
      const quiet = i - this.lastOver > this.quietSteps && this.quietObserved >= this.quietSteps / 2;
      this.candidate = quiet ? start : null;
    }
    this.run++;
    this.lastOver = i;
    this.quietObserved = 0;
    if (this.candidate !== null && this.run >= BREACH_MIN_STEPS) {
      const onset = this.candidate;
      this.candidate = null;
      return onset;
    }
    return null;
  }
}

/** Breach onsets of metric `m` in a whole series (epoch s, oldest first): BreachOnsetDetector over its steps. */
export function breachOnsets(s: StepSeries, m: number, warning: number): number[] {
  const detector = new BreachOnsetDetector(s.stepSeconds);
  const onsets: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const k = i * N_METRICS + m;
    const onset = detector.step(s.t0 + i * s.stepSeconds, s.mask[k] === 1 ? s.values[k] : null, warning);
    if (onset !== null) onsets.push(onset);
  }
  return onsets;
}

/** One alert episode of one metric, on data time (epoch s). */
export interface AlertEpisode {
  /** When it fired. */
  start: number;
  /** The latest predicted crossing while it fired: each time it was seen plus how far ahead it predicted. */
  reach: number;
  /** The last time it was firing (before it resolved). */
  end: number;
}

/** The window a breach must begin in for the episode to count as right: [start - grace, max(reach, end) + grace]. */
export function episodeWindow(e: AlertEpisode): { from: number; to: number } {
  return { from: e.start - PRECISION_GRACE_SECONDS, to: Math.max(e.reach, e.end) + PRECISION_GRACE_SECONDS };
}

export type AlertOutcome = 'hit' | 'late' | 'false';
export const ALERT_OUTCOMES: readonly AlertOutcome[] = ['hit', 'late', 'false'];

/**
 * How an ended episode turned out against the breach onsets of its metric: `hit` when one begins inside
 * its window, `late` when none does but one begins within LATE_WITHIN_SECONDS after it, `false` when
 * none does by then. null while it cannot be told yet: an onset is known once the steps that confirm
 * it arrived, so `false` waits until the newest step handed to the detector (`observedUntil`, its start)
 * has confirmed every onset up to the end of the late span. Onsets arrive in time order, so one past
 * the window means none inside it is still to come.
 */
export function episodeOutcome(
  e: AlertEpisode,
  onsets: readonly number[],
  observedUntil: number,
  stepSeconds: number,
): AlertOutcome | null {
  const { from, to } = episodeWindow(e);
  if (onsets.some((T) => T >= from && T <= to)) return 'hit';
  if (onsets.some((T) => T > to && T <= to + LATE_WITHIN_SECONDS)) return 'late';
  const confirmedUntil = observedUntil - (BREACH_MIN_STEPS - 1) * stepSeconds;
  return confirmedUntil > to + LATE_WITHIN_SECONDS ? 'false' : null;
}
