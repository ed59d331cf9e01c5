import { fleetServer, fleetSummary } from '../../../testing/fixtures';
import { buildTopRiskOption, topRiskServers } from './top-risk-chart-options';

describe('topRiskServers', () => {
  const servers = [
    fleetServer('ppdb0001'),
    fleetServer('ppweb0004'),
    fleetServer('ppetl0001'),
    fleetServer('ppweb0004', { name: 'ppweb0001', risk: { probability_30m: 0.2, probability_8h: 0.24, driver: 'cpu_percent' } }),
  ];

  it('orders by 8-hour probability, then 30-minute, then name, whatever order it gets', () => {
    expect(topRiskServers(servers).map((r) => [r.server, r.probability8h, r.probability30m])).toEqual([
      ['ppetl0001', 0.247, 0.098],
      ['ppweb0001', 0.24, 0.2],
      ['ppweb0004', 0.24, 0.108],
      ['ppdb0001', 0.12, 0.01],
    ]);
  });

  it('keeps only the riskiest `limit`', () => {
    expect(topRiskServers(servers, 2).map((r) => r.server)).toEqual(['ppetl0001', 'ppweb0001']);
    expect(topRiskServers(servers, 0)).toEqual([]);
    const many = Array.from({ length: 1000 }, (_, i) =>
      fleetServer('ppdb0001', {
        name: `s${String(i).padStart(4, '0')}`,
        risk: { probability_30m: 0, probability_8h: (i % 100) / 100, driver: null },
      }),
    );
    expect(topRiskServers(many, 3).map((r) => r.server)).toEqual(['s0099', 's0199', 's0299']);
  });
});

describe('buildTopRiskOption', () => {
  it('draws probabilities as percentages, riskiest first', () => {
    const option = buildTopRiskOption(topRiskServers(fleetSummary().servers));
    expect((option.yAxis as { data: string[]; inverse: boolean }).data).toEqual(['ppetl0001', 'ppweb0004', 'ppdb0001']);
    const [h8, m30] = option.series as { id: string; data: number[] }[];
    expect(h8.id).toBe('risk-8h');
    expect(h8.data).toEqual([24.7, 24, 12]);
    expect(m30.data).toEqual([9.8, 10.8, 1]);
  });
});
