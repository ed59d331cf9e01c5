import type { BucketScoreDto, RecordBlockDto } from '@tft/api-client';

/** A baseline as people read it. */
export const BASELINE_LABEL: Readonly<Record<NonNullable<BucketScoreDto['best_baseline']>, string>> = {
  persistence: 'persistence',
  seasonal_naive: 'seasonal naive',
};

/** The whole horizon's row of a record, where the headline figures come from. */
export function wholeHorizon(block: RecordBlockDto): BucketScoreDto | null {
  return block.buckets.find((b) => b.bucket === 'all') ?? null;
}

/** "21 % better than persistence", "12 % worse than seasonal naive", "as good as persistence"; null before any score. */
export function describeSkill(row: BucketScoreDto | null): string | null {
  if (!row || row.skill === null || row.best_baseline === null) return null;
  const pct = Math.round(Math.abs(row.skill) * 100);
  const baseline = BASELINE_LABEL[row.best_baseline];
  if (pct === 0) return `as good as ${baseline}`;
  return row.skill > 0 ? `${pct} % better than ${baseline}` : `${pct} % worse than ${baseline}`;
}

/** A share in 0..1 as "84 %"; "–" when unknown. */
export function formatShare(share: number | null | undefined): string {
  return share === null || share === undefined || !Number.isFinite(share) ? '–' : `${Math.round(share * 100)} %`;
}

/** A wQL to three decimals; "–" when unknown. */
export function formatWql(wql: number | null | undefined): string {
  return wql === null || wql === undefined || !Number.isFinite(wql) ? '–' : wql.toFixed(3);
}

/** "7 of 12 (58 %)" hits of the alerts scored; null before any alert ended and was scored. */
export function describePrecision(block: RecordBlockDto): string | null {
  const a = block.alerts;
  return a.fired === 0 ? null : `${a.hit} of ${a.fired} (${formatShare(a.precision)})`;
}

/** Horizon buckets as people read them. */
export const BUCKET_LABEL: Readonly<Record<BucketScoreDto['bucket'], string>> = {
  '0-30m': '0–30 min',
  '30m-2h': '30 min–2 h',
  '2h-8h': '2–8 h',
  all: 'whole 8 h',
};
