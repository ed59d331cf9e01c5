import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

export const PARTS = [
  'inference',
  'drivers',
  'ingest',
  'remote-write',
  'otlp',
  'predictions',
  'memory',
  'tick',
  'fleet-reads',
  'cluster',
  'archive',
  'track-record',
] as const;
export type Part = (typeof PARTS)[number];

/**
 * Parts that run only when --only names them: the archive part fills and exports gigabytes at full size;
 * the track record's memory is measured best in a process that has done nothing else.
 */
export const OPT_IN_PARTS: readonly Part[] = ['archive', 'track-record'];

/** What runs without --only. */
export const DEFAULT_PARTS: readonly Part[] = PARTS.filter((p) => !OPT_IN_PARTS.includes(p));

export interface BenchArgs {
  json: string | null;
  parts: Part[];
  quick: boolean;
  help: boolean;
  /** The archive part's fleet and days of history. */
  archiveServers: number;
  archiveDays: number;
}

/** The archive part's full size: the memory part's fleet over the api's default ARCHIVE_RETENTION. */
export const ARCHIVE_SERVERS = 10_000;
export const ARCHIVE_DAYS = 14;

/** The archive part's size with --quick unless given: a sanity check of the whole path. */
const QUICK_ARCHIVE = { servers: 500, days: 1 };

export class UsageError extends Error {}

export const USAGE = `usage: npm run bench -- [--json <file>] [--only ${PARTS.join('|')}[,...]] [--quick]
         [--archive-servers <n>] [--archive-days <d>] [--help]
       npm run bench -- render --json <file>
       npm run soak -- [options]  (the same as npm run bench -- soak; --help lists its options)

  --json <file>   also write the figures as JSON
  --only <parts>  run only these parts (comma list): ${PARTS.join(', ')}; without it, all but
                  ${OPT_IN_PARTS.join(', ')}
                  (predictions, memory, tick and fleet-reads share one api process and its 1,000-server
                  fill; fleet-reads runs on memory's 10,000 servers, so it fills them too)
  --quick         fewer repetitions and shorter runs: a sanity check, not figures to quote
  --archive-servers <n>, --archive-days <d>
                  the archive part's fleet and history (default ${ARCHIVE_SERVERS} servers x ${ARCHIVE_DAYS} days,
                  ${QUICK_ARCHIVE.servers} x ${QUICK_ARCHIVE.days} with --quick)
  --help          this text

  render --json <file>  print a dated markdown entry for docs/BENCHMARKS.md from a --json file

Progress goes to stderr, the table to stdout. Needs the built api (npm run bench builds it).`;

/** node:util's parseArgs, strict and without positionals; an unknown or malformed option is a UsageError with `usage`. */
export function parseOptions<const O extends ParseArgsOptionsConfig>(argv: readonly string[], options: O, usage: string, prefix = '') {
  try {
    return parseArgs({ args: [...argv], strict: true, allowPositionals: false, options }).values;
  } catch (err) {
    throw new UsageError(`${prefix}${(err as Error).message}\n\n${usage}`);
  }
}

/** Parses the bench's command line; throws `UsageError` with a one-line reason on anything it does not know. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const values = parseOptions(
    argv,
    {
      json: { type: 'string' },
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      'archive-servers': { type: 'string' },
      'archive-days': { type: 'string' },
    },
    USAGE,
  );
  const quick = values.quick ?? false;
  const count = (name: string, raw: string | undefined, fallback: number, max: number): number => {
    if (raw === undefined) return fallback;
    const v = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || v < 1 || v > max) throw new UsageError(`--${name} takes an integer in 1..${max} (got "${raw}")`);
    return v;
  };
  if (values.json !== undefined && (values.json.trim() === '' || values.json.startsWith('--'))) {
    throw new UsageError(`--json needs a file name (got "${values.json}")`);
  }
  let parts: Part[] = [...DEFAULT_PARTS];
  if (values.only !== undefined) {
    const asked = values.only
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    const unknown = asked.filter((p) => !(PARTS as readonly string[]).includes(p));
    if (asked.length === 0 || unknown.length) {
      throw new UsageError(`--only takes a comma list of ${PARTS.join(', ')} (got "${values.only}")`);
    }
    parts = PARTS.filter((p) => asked.includes(p));
  }
  return {
    json: values.json ?? null,
    parts,
    quick,
    help: values.help ?? false,
    archiveServers: count('archive-servers', values['archive-servers'], quick ? QUICK_ARCHIVE.servers : ARCHIVE_SERVERS, 1_000_000),
    archiveDays: count('archive-days', values['archive-days'], quick ? QUICK_ARCHIVE.days : ARCHIVE_DAYS, 366),
  };
}

/** `render --json <file>`: the file to render. */
export function parseRenderArgs(argv: readonly string[]): {
  json: string | null;
  help: boolean;
} {
  const values = parseOptions(argv, { json: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } }, USAGE, 'render: ');
  if (values.help) return { json: null, help: true };
  if (values.json === undefined || values.json.trim() === '' || values.json.startsWith('--')) {
    throw new UsageError("render needs the bench's JSON: npm run bench -- render --json <file>");
  }
  return { json: values.json, help: false };
}
