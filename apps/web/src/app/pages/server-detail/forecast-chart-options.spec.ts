import type { HistoryPointDto, MetricPredictionDto } from '@tft/api-client';
import type { LineSeriesOption } from '../../shared/chart-types';
import { axisMax, buildForecastChartOption, forecastTimestamps, type ForecastChartInput } from './forecast-chart-options';

const ORIGIN = '2026-11-28T14:15:00Z';
const ORIGIN_MS = Date.parse(ORIGIN); // 1795875300000
const STEP_MS = 300_000;

const forecast: MetricPredictionDto = {
  p10: [40.5, 41.0, 43.2],
  p50: [45.1, 46.3, 48.0],
  p90: [52.4, 50.1, 42.0], // last step: p90 below p10 (quantile crossing)
  current: 44.7,
  trend: 3.5,
};

const history: HistoryPointDto[] = [
  {
    timestamp: '2026-11-28T14:05:00Z',
    cpu_percent: 42.1,
    memory_percent: 60,
    disk_percent: 30,
    load_average: 1.1,
    samples: 60,
  },
  {
    timestamp: '2026-11-28T14:10:00Z',
    cpu_percent: null,
    memory_percent: null,
    disk_percent: null,
    load_average: null,
    samples: 0,
  },
  {
    timestamp: '2026-11-28T14:15:00Z',
    cpu_percent: 44.7,
    memory_percent: 61,
    disk_percent: 30,
    load_average: 1.3,
    samples: 60,
  },
];

function input(overrides: Partial<ForecastChartInput> = {}): ForecastChartInput {
  return {
    metric: 'cpu_percent',
    history,
    forecast,
    forecastOrigin: ORIGIN,
    stepSeconds: 300,
    thresholds: { warning: 80, critical: 95 },
    ...overrides,
  };
}

function series(option: ReturnType<typeof buildForecastChartOption>, id: string): LineSeriesOption {
  const list = option.series as LineSeriesOption[];
  const found = list.find((s) => s.id === id);
  if (!found) throw new Error(`no series ${id}`);
  return found;
}

describe('forecastTimestamps', () => {
  it('puts step h at origin + (h + 1) x step', () => {
    expect(forecastTimestamps(ORIGIN, 300, 3)).toEqual([ORIGIN_MS + 300_000, ORIGIN_MS + 600_000, ORIGIN_MS + 900_000]);
    expect(new Date(forecastTimestamps(ORIGIN, 300, 96)[95]).toISOString()).toBe('2026-11-28T22:15:00.000Z');
  });
});

describe('buildForecastChartOption', () => {
  const option = buildForecastChartOption(input());

  it('draws the p50 at the forecast step times', () => {
    expect(series(option, 'p50').data).toEqual([
      [ORIGIN_MS + STEP_MS, 45.1],
      [ORIGIN_MS + 2 * STEP_MS, 46.3],
      [ORIGIN_MS + 3 * STEP_MS, 48.0],
    ]);
  });

  it('stacks the band width p90 - p10 on an invisible p10 series', () => {
    const base = series(option, 'band-base');
    const band = series(option, 'band');
    expect(base.stack).toBe('band');
    expect(band.stack).toBe('band');
    expect(base.data).toEqual([
      [ORIGIN_MS + STEP_MS, 40.5],
      [ORIGIN_MS + 2 * STEP_MS, 41.0],
      [ORIGIN_MS + 3 * STEP_MS, 43.2],
    ]);
    const widths = (band.data as [number, number][]).map(([, w]) => w);
    expect(widths[0]).toBeCloseTo(11.9, 10); // 52.4 - 40.5
    expect(widths[1]).toBeCloseTo(9.1, 10); // 50.1 - 41.0
    expect(widths[2]).toBe(0); // crossing clamped, never negative
    expect(base.lineStyle?.opacity).toBe(0);
    expect(band.areaStyle).toBeDefined();
  });

  it('keeps missing history steps as gaps', () => {
    expect(series(option, 'history').data).toEqual([
      [Date.parse('2026-11-28T14:05:00Z'), 42.1],
      [Date.parse('2026-11-28T14:10:00Z'), null],
      [ORIGIN_MS, 44.7],
    ]);
    expect(series(option, 'history').connectNulls).toBe(false);
  });

  it('marks warning and critical thresholds and "now" at the forecast origin', () => {
    const marks = series(option, 'history').markLine?.data as {
      name: string;
      yAxis?: number;
      xAxis?: number;
    }[];
    expect(marks.map((m) => [m.name, m.yAxis ?? m.xAxis])).toEqual([
      ['warning', 80],
      ['critical', 95],
      ['now', ORIGIN_MS],
    ]);
  });

  it('spans the x axis from the first history step to the last forecast step', () => {
    const xAxis = option.xAxis as { min: number; max: number };
    expect(xAxis.min).toBe(Date.parse('2026-11-28T14:05:00Z'));
    expect(xAxis.max).toBe(ORIGIN_MS + 3 * STEP_MS);
    expect((option.yAxis as { max: number }).max).toBe(100);
  });

  it('uses the per-profile thresholds it is given', () => {
    const db = buildForecastChartOption(
      input({
        metric: 'memory_percent',
        thresholds: { warning: 92, critical: 97 },
      }),
    );
    const marks = series(db, 'history').markLine?.data as { yAxis?: number }[];
    expect(marks.slice(0, 2).map((m) => m.yAxis)).toEqual([92, 97]);
  });

  it('without a forecast draws history and thresholds only, and no "now" line', () => {
    const bare = buildForecastChartOption(input({ forecast: null, forecastOrigin: null }));
    expect(series(bare, 'p50').data).toEqual([]);
    expect(series(bare, 'band').data).toEqual([]);
    const marks = series(bare, 'history').markLine?.data as { name: string }[];
    expect(marks.map((m) => m.name)).toEqual(['warning', 'critical']);
    expect((bare.xAxis as { max: number }).max).toBe(ORIGIN_MS);
  });

  it('scales the load axis to keep the critical line and the band in view', () => {
    expect(axisMax('load_average', [1.1, 3.4], { warning: 8, critical: 12 })).toBe(14); // ceil(13.2)
    expect(axisMax('load_average', [30.2], { warning: 16, critical: 24 })).toBe(34); // ceil(33.22)
    expect(axisMax('disk_percent', [99.9], { warning: 85, critical: 95 })).toBe(100);
  });
});
