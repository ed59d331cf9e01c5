/**
 * The record's time slices: sums are kept per hour for the 24-hour window and per day for the 7-day
 * one, so each window is a sum of whole slices (the current one included) and a server holds two open
 * slices at a time, whatever its history.
 */
export const RECORD_WINDOWS = ['24h', '7d'] as const;
export type RecordWindow = (typeof RECORD_WINDOWS)[number];

export interface WindowSpan {
  /** Seconds of one slice. */
  span: number;
  /** Slices the window sums, the current one included. */
  slices: number;
}

export const WINDOW_SPANS: Readonly<Record<RecordWindow, WindowSpan>> = {
  '24h': { span: 3600, slices: 24 },
  '7d': { span: 86_400, slices: 7 },
};

/** The spans slices are kept in, one per window. */
export const SPANS = RECORD_WINDOWS.map((w) => WINDOW_SPANS[w].span);

export const sliceStart = (time: number, span: number): number => Math.floor(time / span) * span;

/** The first slice start a window sums at data time `now`. */
export function windowFrom(window: RecordWindow, now: number): number {
  const { span, slices } = WINDOW_SPANS[window];
  return sliceStart(now, span) - (slices - 1) * span;
}

/** The first slice start each span still needs at `now` (what is older is pruned), by span. */
export function keptFrom(now: number): Map<number, number> {
  return new Map(RECORD_WINDOWS.map((w) => [WINDOW_SPANS[w].span, windowFrom(w, now)]));
}

/**
 * A stable phase per server in 0..every-1: origins fall on the steps where (step index + phase) is a
 * multiple of `every`, so a fleet's servers keep their origins on different passes.
 */
export function originPhase(server: string, every: number): number {
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < server.length; i++) {
    h ^= server.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % every;
}
