const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

export class DurationError extends Error {}

/** Parses `24h`, `90m`, `30s`, `2d` or a plain number of seconds, as every daemon's config accepts them. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(text.trim());
  if (!m) throw new DurationError(`invalid duration "${text}" (use e.g. 30s, 90m, 24h, 2d)`);
  return Math.round(Number(m[1]) * UNITS[m[2] || 's']);
}

/**
 * Request header by which a sender declares that its clock deliberately runs ahead of the wall clock
 * (a simulator in accelerated time, a replay), in seconds. The api refuses samples timed more than
 * MAX_FUTURE_SKEW ahead of its own clock plus this offset; without the header the offset is 0.
 */
export const CLOCK_OFFSET_HEADER = 'x-clock-offset';

/** The largest offset a sender may declare: a typo or garbage beyond it is a 400, not a time machine. */
export const MAX_CLOCK_OFFSET_SECONDS = 366 * 86400;
