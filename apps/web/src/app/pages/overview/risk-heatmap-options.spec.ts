import { predictions, THRESHOLDS } from '../../../testing/fixtures';
import { buildRiskHeatmapOption, heatmapHeight, riskCells } from './risk-heatmap-options';

const NAMES = ['ppdb0001', 'ppetl0001', 'ppweb0004'];

describe('riskCells', () => {
  const cells = riskCells(NAMES, predictions().predictions, THRESHOLDS);
  const cell = (server: string, metric: string) => cells.find((c) => c.server === server && c.metric === metric)!;

  it('scores max p90 over the horizon against the critical threshold', () => {
    // ppweb0004 memory: p50 94 + 0.02/step, band +/-4 -> p90 peaks at 99.9; critical 95
    expect(cell('ppweb0004', 'memory_percent')).toEqual({
      server: 'ppweb0004',
      metric: 'memory_percent',
      peakP90: 99.9,
      critical: 95,
      score: 105.2,
    });
    expect(cell('ppweb0004', 'cpu_percent').score).toBe(47.4); // 45 / 95
    expect(cell('ppweb0004', 'load_average').score).toBe(20.8); // 2.5 / 12
  });

  it('applies the per-profile overrides', () => {
    // database memory critical is 97: 95.75 / 97
    expect(cell('ppdb0001', 'memory_percent').critical).toBe(97);
    expect(cell('ppdb0001', 'memory_percent').score).toBe(98.7);
    // data_ingest disk critical is 96: 51 / 96; a web_api server keeps 95: 51 / 95
    expect(cell('ppetl0001', 'disk_percent').score).toBe(53.1);
    expect(cell('ppweb0004', 'disk_percent').score).toBe(53.7);
  });

  it('lists the servers in the order given, four metrics each, leaving out those without a forecast', () => {
    expect(cells).toHaveLength(12);
    const riskiestFirst = riskCells(['ppweb0004', 'gone0001', 'ppdb0001'], predictions().predictions, THRESHOLDS);
    expect([...new Set(riskiestFirst.map((c) => c.server))]).toEqual(['ppweb0004', 'ppdb0001']);
  });

  it('skips a metric the body left out', () => {
    const body = predictions().predictions;
    delete body['ppweb0004'].disk_percent;
    expect(riskCells(['ppweb0004'], body, THRESHOLDS).map((c) => c.metric)).toEqual(['cpu_percent', 'memory_percent', 'load_average']);
  });
});

describe('buildRiskHeatmapOption', () => {
  it('puts each score at [metric column, server row] and names the cell by server', () => {
    const option = buildRiskHeatmapOption(NAMES, predictions().predictions, THRESHOLDS);
    const series = (option.series as { data: { name: string; value: number[] }[] }[])[0];
    expect(series.data).toContainEqual({
      name: 'ppweb0004',
      value: [1, 2, 105.2],
    });
    expect(series.data).toContainEqual({
      name: 'ppdb0001',
      value: [0, 0, 47.4],
    });
    expect((option.yAxis as { data: string[] }).data).toEqual(['ppdb0001', 'ppetl0001', 'ppweb0004']);
  });

  it('is empty, not broken, without forecasts', () => {
    const option = buildRiskHeatmapOption([], {}, THRESHOLDS);
    expect((option.series as { data: unknown[] }[])[0].data).toEqual([]);
    expect(heatmapHeight(0)).toBe(160);
    expect(heatmapHeight(20)).toBe(530);
  });
});
