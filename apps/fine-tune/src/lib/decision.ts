import { METRICS } from '@tft/contracts';
import { ALL_BUCKET, HORIZON_BUCKETS, type ScoreRow } from '@tft/forecasting';

/** How much worse than the champion a challenger may be in any one horizon bucket and still be written. */
export const BUCKET_TOLERANCE = 0.02;

/** One horizon bucket (or `all`) of the backtest's `overall` rows, champion beside challenger. */
export interface BucketComparison {
  bucket: string;
  champion: number | null;
  challenger: number | null;
  /** (challenger - champion) / champion; negative = the challenger's loss is lower. */
  change: number | null;
  coverageChampion: number | null;
  coverageChallenger: number | null;
}

export interface Decision {
  /** Write the challenger as a new version. */
  write: boolean;
  /** Why, in a sentence. */
  reason: string;
  /** The horizon buckets, then `all`. */
  buckets: BucketComparison[];
  /** Per metric over all horizons (shown, not part of the rule). */
  metrics: BucketComparison[];
}

const relative = (champion: number | null, challenger: number | null): number | null =>
  champion === null || challenger === null || champion <= 0 ? null : (challenger - champion) / champion;

function compare(champion: readonly ScoreRow[], challenger: readonly ScoreRow[], metric: string, bucket: string): BucketComparison {
  const pick = (rows: readonly ScoreRow[]) => rows.find((r) => r.metric === metric && r.horizon_bucket === bucket);
  const a = pick(champion);
  const b = pick(challenger);
  const wa = a?.wql ?? null;
  const wb = b?.wql ?? null;
  return {
    bucket: metric === 'overall' ? bucket : metric,
    champion: wa,
    challenger: wb,
    change: relative(wa, wb),
    coverageChampion: a?.coverage_p10_p90 ?? null,
    coverageChallenger: b?.coverage_p10_p90 ?? null,
  };
}

/**
 * The champion/challenger rule on the backtest's rows of the two models on the same held-out origins
 * (metric `overall`: the mean wQL over the measured metrics): the challenger is written only when its
 * wQL over all horizons is lower than the champion's and in no horizon bucket (0-30m, 30m-2h, 2h-8h)
 * higher by more than `tolerance` (relative).
 */
export function decide(champion: readonly ScoreRow[], challenger: readonly ScoreRow[], tolerance = BUCKET_TOLERANCE): Decision {
  const buckets = [...HORIZON_BUCKETS.map((b) => b.name), ALL_BUCKET].map((b) => compare(champion, challenger, 'overall', b));
  const metrics = METRICS.map((m) => compare(champion, challenger, m, ALL_BUCKET)).filter(
    (r) => r.champion !== null || r.challenger !== null,
  );
  const all = buckets[buckets.length - 1];
  const unscored = buckets.filter((b) => b.change === null);
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  let write = false;
  let reason: string;
  if (unscored.length) {
    reason = `no comparison in ${unscored.map((b) => b.bucket).join(', ')}: the held-out part had no scored targets there`;
  } else if ((all.change as number) >= 0) {
    reason = `the challenger does not win overall (wQL ${pct(all.change as number)} against the champion)`;
  } else {
    const worse = buckets.filter((b) => b.bucket !== ALL_BUCKET && (b.change as number) > tolerance);
    if (worse.length) {
      reason =
        `the challenger wins overall (${pct(all.change as number)}) but loses ` +
        worse.map((b) => `${b.bucket} by ${pct(b.change as number)}`).join(', ') +
        ` (more than ${pct(tolerance)})`;
    } else {
      write = true;
      reason = `the challenger wins overall (wQL ${pct(all.change as number)}) and loses no horizon bucket by more than ${pct(tolerance)}`;
    }
  }
  return { write, reason, buckets, metrics };
}

const num = (x: number | null, digits = 4) => (x === null ? '-' : x.toFixed(digits));
const signed = (x: number | null) => (x === null ? '-' : `${x > 0 ? '+' : ''}${(x * 100).toFixed(1)} %`);

/** The comparison as markdown tables: the horizon buckets (the rule), then the metrics over all horizons. */
export function decisionTables(d: Decision, championName: string, challengerName: string): string {
  const head = (first: string) =>
    `| ${first} | champion ${championName} wQL | challenger ${challengerName} wQL | change | coverage p10-p90 champion / challenger |\n` +
    '| --- | --- | --- | --- | --- |';
  const row = (r: BucketComparison) =>
    `| ${r.bucket} | ${num(r.champion)} | ${num(r.challenger)} | ${signed(r.change)} | ${num(r.coverageChampion, 3)} / ${num(r.coverageChallenger, 3)} |`;
  return [head('horizon'), ...d.buckets.map(row), '', head('metric (all horizons)'), ...d.metrics.map(row)].join('\n');
}
