import { BadRequestException } from '@nestjs/common';
import { METRICS, PROFILES, type Severity } from '@tft/contracts';
import type { ModelKind } from '../model/model-provider';
import type { PredictionsQuery, SummaryQuery } from './forecast-store';
import { SUMMARY_SORTS, type SummarySort } from './fleet-summary';

/** The most servers one page of either listing holds. */
export const MAX_PAGE = 10_000;

/** The query strings of GET /predictions/current, as sent. */
export interface PredictionsParams {
  servers?: string;
  metrics?: string;
  limit?: string;
  cursor?: string;
}

/** The query strings of GET /fleet/summary, as sent. */
export interface SummaryParams {
  sort?: string;
  q?: string;
  profile?: string;
  severity?: string;
  model?: string;
  limit?: string;
  cursor?: string;
}

const list = (raw: string): string[] =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** A comma list whose items must each be one of `allowed`. */
function oneOf<T extends string>(param: string, raw: string | undefined, allowed: readonly T[]): T[] | undefined {
  if (raw === undefined) return undefined;
  const items = list(raw);
  const unknown = items.filter((i) => !allowed.includes(i as T));
  if (!items.length || unknown.length) {
    throw new BadRequestException(
      `${param}: ${items.length ? `unknown ${unknown.map((u) => `"${u.slice(0, 64)}"`).join(', ')}` : 'empty'}; use a comma list of ${allowed.join(', ')}`,
    );
  }
  return items as T[];
}

function limitOf(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_PAGE)
    throw new BadRequestException(`limit: must be an integer in 1..${MAX_PAGE} (got "${raw.slice(0, 32)}")`);
  return n;
}

export function predictionsQuery(p: PredictionsParams): PredictionsQuery {
  const servers = p.servers === undefined ? undefined : list(p.servers);
  if (servers && !servers.length) throw new BadRequestException('servers: empty; use a comma list of server names');
  const metrics = oneOf('metrics', p.metrics, METRICS);
  return {
    ...(servers ? { servers } : {}),
    ...(metrics ? { metrics: METRICS.flatMap((m, i) => (metrics.includes(m) ? [i] : [])) } : {}),
    ...(p.limit !== undefined ? { limit: limitOf(p.limit) } : {}),
    ...(p.cursor !== undefined ? { cursor: p.cursor } : {}),
  };
}

export function summaryQuery(p: SummaryParams): SummaryQuery {
  const sorts = oneOf('sort', p.sort, SUMMARY_SORTS) ?? ['risk' as SummarySort];
  if (sorts.length > 1) throw new BadRequestException(`sort: one of ${SUMMARY_SORTS.join(', ')}, not a list`);
  const [sort] = sorts;
  const profiles = oneOf('profile', p.profile, [...PROFILES, 'unknown']);
  const severities = oneOf<Severity | 'none'>('severity', p.severity, ['critical', 'warning', 'none']);
  const models = oneOf<ModelKind>('model', p.model, ['TFT', 'heuristic']);
  const q = p.q?.trim();
  return {
    sort,
    ...(q ? { q: q.slice(0, 128) } : {}),
    ...(profiles ? { profiles: new Set(profiles) } : {}),
    ...(severities ? { severities: new Set(severities) } : {}),
    ...(models ? { models: new Set(models) } : {}),
    ...(p.limit !== undefined ? { limit: limitOf(p.limit) } : {}),
    ...(p.cursor !== undefined ? { cursor: p.cursor } : {}),
  };
}
