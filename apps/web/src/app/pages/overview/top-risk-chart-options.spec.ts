import { predictions, serverPrediction } from '../../../testing/fixtures';
import { buildTopRiskOption, topRiskServers } from './top-risk-chart-options';

describe('topRiskServers', () => {
  it('orders by 8-hour probability, then 30-minute, then name', () => {
    const preds = {
      ...predictions().predictions,
      ppweb0001: serverPrediction({
        risk: {
          probability_30m: 0.2,
          probability_8h: 0.24,
          driver: 'cpu_percent',
        },
      }),
    };
    expect(topRiskServers(preds).map((r) => [r.server, r.probability8h])).toEqual([
      ['ppetl0001', 0.247],
      ['ppweb0001', 0.24],
      ['ppweb0004', 0.24],
      ['ppdb0001', 0.12],
    ]);
    expect(topRiskServers(preds, 2)).toHaveLength(2);
  });
});

describe('buildTopRiskOption', () => {
  it('draws probabilities as percentages, riskiest first', () => {
    const option = buildTopRiskOption(topRiskServers(predictions().predictions));
    expect((option.yAxis as { data: string[]; inverse: boolean }).data).toEqual(['ppetl0001', 'ppweb0004', 'ppdb0001']);
    const [h8, m30] = option.series as { id: string; data: number[] }[];
    expect(h8.id).toBe('risk-8h');
    expect(h8.data).toEqual([24.7, 24, 12]);
    expect(m30.data).toEqual([9.8, 10.8, 1]);
  });
});
