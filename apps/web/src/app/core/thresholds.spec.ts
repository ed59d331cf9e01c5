import { THRESHOLDS } from '../../testing/fixtures';
import { thresholdsOf } from './thresholds';

describe('thresholdsOf', () => {
  it("takes a profile's pairs from the api's table", () => {
    expect(thresholdsOf(THRESHOLDS, 'database').memory_percent).toEqual({ warning: 92, critical: 97 });
    expect(thresholdsOf(THRESHOLDS, 'database').cpu_percent).toEqual({ warning: 80, critical: 95 });
  });

  it('gives the defaults to servers without a profile or with one the api does not list', () => {
    expect(thresholdsOf(THRESHOLDS, null)).toBe(THRESHOLDS.defaults);
    expect(thresholdsOf(THRESHOLDS, 'unlisted')).toBe(THRESHOLDS.defaults);
  });
});
