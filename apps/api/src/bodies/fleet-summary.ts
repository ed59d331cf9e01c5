import { BadRequestException } from '@nestjs/common';
import { METRICS, type MetricName, type Severity } from '@tft/contracts';
import type { ModelKind } from '../model/model-provider';

/** The orders GET /fleet/summary can list servers in. */
export const SUMMARY_SORTS = ['risk', 'alert', 'name', ...METRICS] as const;
export type SummarySort = (typeof SUMMARY_SORTS)[number];

/** The worst active alert of a server: critical before warning, then the soonest. */
export interface WorstAlert {
  severity: Severity;
  metric: MetricName;
  minutes_ahead: number;
}

/** One server as the fleet summary lists it, with its JSON made once per change. */
export interface SummaryEntry {
  name: string;
  profile: string | null;
  model: ModelKind;
  probability_30m: number;
  probability_8h: number;
  current: Float64Array;
  alert: WorstAlert | null;
  json: string;
}

export interface SummaryFilter {
  /** Exactly these servers. */
  names?: ReadonlySet<string>;
  /** Case-insensitive part of the name. */
  q?: string;
  profiles?: ReadonlySet<string>;
  /** Worst active alert: critical, warning, or none. */
  severities?: ReadonlySet<Severity | 'none'>;
  models?: ReadonlySet<ModelKind>;
}

const SEVERITY_RANK: Record<Severity | 'none', number> = { critical: 0, warning: 1, none: 2 };

/**
 * The sort key of an entry: ascending order of [key..., name] is the listing order, so one comparison
 * and one cursor format serve every sort (descending figures are negated, missing ones sort last).
 */
export function sortKey(e: SummaryEntry, sort: SummarySort): number[] {
  switch (sort) {
    case 'risk':
      return [-e.probability_8h, -e.probability_30m];
    case 'alert':
      return [SEVERITY_RANK[e.alert?.severity ?? 'none'], e.alert?.minutes_ahead ?? 0];
    case 'name':
      return [];
    default: {
      const v = e.current[METRICS.indexOf(sort)];
      return [Number.isFinite(v) ? -v : Number.POSITIVE_INFINITY];
    }
  }
}

/** A position in a listing: the sort key and name of the last entry a page held. */
interface Position {
  key: number[];
  name: string;
}

function compare(a: Position, b: Position): number {
  for (let i = 0; i < a.key.length; i++) {
    if (a.key[i] !== b.key[i]) return a.key[i] < b.key[i] ? -1 : 1;
  }
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Entries in listing order for this sort. */
export function sortEntries(entries: Iterable<SummaryEntry>, sort: SummarySort): SummaryEntry[] {
  const keyed = [...entries].map((e) => ({ e, key: sortKey(e, sort), name: e.name }));
  keyed.sort(compare);
  return keyed.map((k) => k.e);
}

export function matches(e: SummaryEntry, f: SummaryFilter): boolean {
  if (f.names && !f.names.has(e.name)) return false;
  if (f.q !== undefined && !e.name.toLowerCase().includes(f.q.toLowerCase())) return false;
  if (f.profiles && !f.profiles.has(e.profile ?? 'unknown')) return false;
  if (f.severities && !f.severities.has(e.alert?.severity ?? 'none')) return false;
  if (f.models && !f.models.has(e.model)) return false;
  return true;
}

/**
 * A page cursor: where the previous page ended in this sort (keyset paging). Resuming after a position,
 * not an offset, keeps pages free of repeats and gaps while the fleet changes, except for servers whose
 * own sort key moved between the two requests.
 */
export function encodeCursor(e: SummaryEntry, sort: SummarySort): string {
  return Buffer.from(JSON.stringify({ s: sort, k: sortKey(e, sort).map((x) => (Number.isFinite(x) ? x : null)), n: e.name })).toString(
    'base64url',
  );
}

export function decodeCursor(cursor: string, sort: SummarySort): Position {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  const p = parsed as { s?: unknown; k?: unknown; n?: unknown } | null;
  if (!p || typeof p.n !== 'string' || !Array.isArray(p.k) || !p.k.every((x) => x === null || typeof x === 'number')) {
    throw new BadRequestException('cursor: not a cursor this api returned (pass next_cursor back unchanged)');
  }
  if (p.s !== sort) {
    throw new BadRequestException(`cursor: it pages through sort=${String(p.s)}, not sort=${sort}; keep the sort while paging`);
  }
  return { key: p.k.map((x: number | null) => (x === null ? Number.POSITIVE_INFINITY : x)), name: p.n };
}

/** The page after `cursor` of the sorted entries that match, and the cursor of the page after it. */
export function pageOf(
  sorted: readonly SummaryEntry[],
  sort: SummarySort,
  filter: SummaryFilter,
  limit: number,
  cursor?: string,
): { items: SummaryEntry[]; matching: number; next: string | null } {
  let start = 0;
  if (cursor !== undefined) {
    const after = decodeCursor(cursor, sort);
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare({ key: sortKey(sorted[mid], sort), name: sorted[mid].name }, after) <= 0) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const items: SummaryEntry[] = [];
  let matching = 0;
  let next: string | null = null;
  for (let i = 0; i < sorted.length; i++) {
    if (!matches(sorted[i], filter)) continue;
    matching++;
    if (i < start) continue;
    if (items.length < limit) items.push(sorted[i]);
    else if (next === null) next = encodeCursor(items[items.length - 1], sort);
  }
  return { items, matching, next };
}
