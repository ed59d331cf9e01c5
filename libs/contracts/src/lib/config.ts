import { DurationError, parseDuration } from './durations';

/**
 * A setting a daemon cannot start with. The message names the variable (or flag) and what it must be;
 * each main.ts prints it as `<daemon>: <message>` and exits 2.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * The value rules of the daemons' env schemas. Each parses one raw string and throws a reason that reads
 * after the variable's name (`must be ...`); the schemas wrap them in envalid's `makeValidator`. They
 * live here, framework-free, so every daemon applies the same rule with the same words.
 */
/** A number in min..max from its text; `integer` refuses fractions. */
export function numberIn(min: number, max: number, { integer = false } = {}): (raw: string) => number {
  return (raw) => {
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      throw new Error(`must be ${integer ? 'an integer' : 'a number'} in ${min}..${max} (got "${raw}")`);
    }
    return v;
  };
}

export const integerIn = (min: number, max: number): ((raw: string) => number) => numberIn(min, max, { integer: true });

export function oneOf<const T extends string>(allowed: readonly T[]): (raw: string) => T {
  return (raw) => {
    const v = raw.trim();
    if (!(allowed as readonly string[]).includes(v)) throw new Error(`must be one of ${allowed.join(', ')} (got "${raw}")`);
    return v as T;
  };
}

/** `true`/`1` or `false`/`0`, any case. */
export function parseBoolean(raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new Error(`must be true or false (got "${raw}")`);
}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2 };

/** Bytes from `512kb`, `16mb` or a plain number of bytes. */
export function parseSize(raw: string): number {
  const m = /^(\d+)\s*(b|kb|mb)?$/i.exec(raw.trim());
  if (!m) throw new Error(`must be a size like 512kb or 10mb (got "${raw}")`);
  return Number(m[1]) * SIZE_UNITS[(m[2] ?? 'b').toLowerCase()];
}

const DURATION_UNITS: [string, number][] = [
  ['d', 86400],
  ['h', 3600],
  ['m', 60],
];

/** `86400` -> `1d`, `90` -> `90s`: the largest unit that divides the figure. */
export function formatDuration(seconds: number): string {
  const unit = DURATION_UNITS.find(([, size]) => seconds !== 0 && seconds % size === 0);
  return unit ? `${seconds / unit[1]}${unit[0]}` : `${seconds}s`;
}

/** Seconds from a duration (`30s`, `10m`, `24h`, `2d`, plain seconds), optionally bounded. */
export function durationIn({ min, max }: { min?: number; max?: number } = {}): (raw: string) => number {
  return (raw) => {
    let v: number;
    try {
      v = parseDuration(raw);
    } catch (err) {
      if (err instanceof DurationError) throw new Error(err.message);
      throw err;
    }
    if (min !== undefined && v < min) throw new Error(`must be at least ${formatDuration(min)} (got "${raw}")`);
    if (max !== undefined && v > max) throw new Error(`must be at most ${formatDuration(max)} (got "${raw}")`);
    return v;
  };
}

/**
 * Epoch seconds from an ISO 8601 date-time that names its zone (`2026-01-05T06:00:00Z`, `...+01:00`):
 * a time without a zone would mean a different instant on every machine.
 */
export function parseInstant(raw: string): number {
  const v = raw.trim();
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(v) ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) throw new Error(`must be an ISO 8601 date-time with a zone, like 2026-01-05T06:00:00Z (got "${raw}")`);
  return ms / 1000;
}

/** For a parser whose errors already name their variable (API_KEY/API_KEYS): its message is the ConfigError's, as is. */
export function ownMessage<T>(parse: (raw: string) => T): (raw: string) => T {
  return (raw) => {
    try {
      return parse(raw);
    } catch (err) {
      throw err instanceof ConfigError ? err : new ConfigError((err as Error).message);
    }
  };
}

/**
 * The environment as the schemas read it: a variable set to an empty or blank string is unset, so
 * `API_HOST=` (as .env.example writes it) means the default.
 */
export function givenVariables(env: Record<string, string | undefined>): Record<string, string> {
  const given: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && value.trim() !== '') given[name] = value;
  return given;
}

/**
 * An envalid `reporter` that throws one ConfigError naming every bad setting, in schema order
 * (envalid's own reporter prints and exits, which neither a test nor main.ts's exit code can use).
 * A ConfigError from a validator is complete already; a reason starting with `must` follows the name;
 * any other reason (envalid's own, a parser's detail) follows it after a colon. `label` turns a schema
 * key into the name the user typed (a flag instead of its variable, for instance).
 */
export function configErrorReporter(label: (key: string) => string = (key) => key) {
  return ({ errors }: { errors: Partial<Record<string, Error>> }): void => {
    const lines = Object.entries(errors).flatMap(([key, err]) => {
      if (!err) return [];
      if (err instanceof ConfigError) return [err.message];
      const name = label(key);
      return [/^must\b/.test(err.message) ? `${name} ${err.message}` : `${name}: ${err.message || 'invalid value'}`];
    });
    if (lines.length) throw new ConfigError(lines.join('; '));
  };
}

/** One `NAME=value` line of .env.example and the `# --- title (where) ---` section it sits in. */
export interface EnvExampleEntry {
  /** What the section header names in parentheses: `apps/api`, `apps/web-server`; '' before any. */
  section: string;
  name: string;
  value: string;
}

/** Reads .env.example, so each daemon's spec can check it against its schema. */
export function parseEnvExample(text: string): EnvExampleEntry[] {
  const entries: EnvExampleEntry[] = [];
  let section = '';
  for (const line of text.split('\n')) {
    const header = /^#\s*---.*\((.+)\)\s*---\s*$/.exec(line);
    if (header) section = header[1];
    const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (assignment) entries.push({ section, name: assignment[1], value: assignment[2] });
  }
  return entries;
}
