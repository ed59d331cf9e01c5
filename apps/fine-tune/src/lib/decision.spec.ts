import type { ScoreRow } from '@tft/forecasting';
import { describe, expect, it } from 'vitest';
import { BUCKET_TOLERANCE, decide, decisionTables } from './decision';

/** A model's backtest rows: `overall` per horizon bucket and `all`, plus one metric's `all` row. */
function rows(b0: number, b1: number, b2: number, all: number, cpu = all): ScoreRow[] {
  const row = (metric: ScoreRow['metric'], horizon_bucket: string, wql: number | null): ScoreRow => ({
    metric,
    horizon_bucket,
    wql,
    mase: 1,
    coverage_p10_p90: 0.8,
    n: 100,
  });
  return [
    row('cpu_percent', 'all', cpu),
    row('overall', '0-30m', b0),
    row('overall', '30m-2h', b1),
    row('overall', '2h-8h', b2),
    row('overall', 'all', all),
  ];
}

const champion = rows(0.05, 0.1, 0.2, 0.15);

describe('decide: the champion/challenger rule', () => {
  it('writes a challenger that wins overall and is better or no more than 2 % worse in every bucket', () => {
    const d = decide(champion, rows(0.051, 0.09, 0.18, 0.14)); // 0-30m +2.0 %
    expect(d.write).toBe(true);
    expect(d.buckets.map((b) => b.bucket)).toEqual(['0-30m', '30m-2h', '2h-8h', 'all']);
    expect(d.buckets[0].change).toBeCloseTo(0.02, 10);
    expect(d.buckets[3].change).toBeCloseTo(-1 / 15, 10);
    expect(d.reason).toBe('the challenger wins overall (wQL -6.7 %) and loses no horizon bucket by more than 2.0 %');
  });

  it('keeps the champion when the challenger loses a bucket by more than 2 %, however much it wins overall', () => {
    const d = decide(champion, rows(0.0511, 0.05, 0.1, 0.08)); // 0-30m +2.2 %
    expect(d.write).toBe(false);
    expect(d.reason).toBe('the challenger wins overall (-46.7 %) but loses 0-30m by 2.2 % (more than 2.0 %)');
  });

  it('keeps the champion on a tie or a loss overall, even when every bucket is within the tolerance', () => {
    expect(decide(champion, champion).write).toBe(false);
    const d = decide(champion, rows(0.05, 0.1, 0.2, 0.1501));
    expect(d.write).toBe(false);
    expect(d.reason).toBe('the challenger does not win overall (wQL 0.1 % against the champion)');
  });

  it('takes the tolerance as given, and decides nothing on a bucket without targets', () => {
    expect(decide(champion, rows(0.06, 0.09, 0.18, 0.14), 0.25).write).toBe(true);
    expect(decide(champion, rows(0.06, 0.09, 0.18, 0.14)).write).toBe(false);
    expect(BUCKET_TOLERANCE).toBe(0.02);
    const missing = decide(
      champion,
      rows(0.04, 0.09, 0.18, 0.14).filter((r) => r.horizon_bucket !== '2h-8h'),
    );
    expect(missing.write).toBe(false);
    expect(missing.reason).toContain('no comparison in 2h-8h');
  });

  it('prints the figures it decided on, and each metric over all horizons beside them', () => {
    const d = decide(champion, rows(0.051, 0.09, 0.18, 0.14, 0.2));
    const table = decisionTables(d, '3.0.0', '3.0.1');
    expect(table).toContain('| horizon | champion 3.0.0 wQL | challenger 3.0.1 wQL | change |');
    expect(table).toContain('| 0-30m | 0.0500 | 0.0510 | +2.0 % | 0.800 / 0.800 |');
    expect(table).toContain('| all | 0.1500 | 0.1400 | -6.7 % |');
    expect(table).toContain('| cpu_percent | 0.1500 | 0.2000 | +33.3 % |');
  });
});
