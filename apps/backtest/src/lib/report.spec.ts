import type { ResultRow } from './backtest';
import { bucketTable } from './report';

const row = (model: string, bucket: string, wql: number | null, coverage = 0.8): ResultRow => ({
  model,
  metric: 'cpu_percent',
  horizon_bucket: bucket,
  wql,
  mase: null,
  coverage_p10_p90: coverage,
  n: 10,
});

describe('bucketTable', () => {
  it('sets the reference against the best baseline of each bucket, whichever it is', () => {
    const table = bucketTable([
      row('tft', '0-30m', 0.09, 0.78),
      row('persistence', '0-30m', 0.1),
      row('holt', '0-30m', 0.08),
      row('tft', '2h-8h', 0.12, 0.86),
      row('persistence', '2h-8h', 0.2),
      row('seasonal_naive', '2h-8h', null),
    ]).split('\n');
    expect(table[0]).toBe('| metric | horizon | tft wQL | best baseline | its wQL | tft vs best | tft coverage |');
    expect(table[2]).toBe('| cpu_percent | 0-30m | 0.0900 | holt | 0.0800 | +12.5% | 78.0% |');
    expect(table[3]).toBe('| cpu_percent | 2h-8h | 0.1200 | persistence | 0.2000 | -40.0% | 86.0% |');
    expect(table).toHaveLength(4);
  });
});
