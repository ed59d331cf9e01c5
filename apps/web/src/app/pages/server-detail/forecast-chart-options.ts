import type { HistoryPointDto, MetricPredictionDto } from '@tft/api-client';
import { formatMetricValue, METRIC_INFO } from '../../core/format';
import type { MetricName, ThresholdPair } from '../../core/thresholds';
import { CHART_COLORS, type ConsoleChartOption, type LineSeriesOption } from '../../shared/chart-types';

export interface ForecastChartInput {
  metric: MetricName;
  /** Closed steps, oldest first (null values are steps without samples: drawn as gaps). */
  history: readonly HistoryPointDto[];
  /** The metric's quantile forecast, or null while the server has none yet. */
  forecast: MetricPredictionDto | null;
  /** Start of the last step the forecast used (ISO); forecast step h ends at origin + (h+1) x step. */
  forecastOrigin: string | null;
  stepSeconds: number;
  thresholds: ThresholdPair;
}

export type TimedValue = [number, number | null];

/** Timestamps (ms) of forecast steps 0..steps-1: origin + (h + 1) x step. */
export function forecastTimestamps(originIso: string, stepSeconds: number, steps: number): number[] {
  const origin = Date.parse(originIso);
  return Array.from({ length: steps }, (_, h) => origin + (h + 1) * stepSeconds * 1000);
}

/** Upper axis bound: 100 for percentages; for the load, 10 % headroom over data and critical. */
export function axisMax(metric: MetricName, values: readonly (number | null)[], thresholds: ThresholdPair): number {
  const fixed = METRIC_INFO[metric].max;
  if (fixed !== null) return fixed;
  let top = thresholds.critical;
  for (const v of values) if (v !== null && v > top) top = v;
  return Math.ceil(top * 1.1);
}

/**
 * History + forecast of one metric: the observed line, the p50 line, the p10-p90 band (an
 * invisible p10 series with the p90 - p10 difference stacked on it), warning and critical threshold
 * lines, and a "now" line at the forecast origin.
 */
export function buildForecastChartOption(input: ForecastChartInput): ConsoleChartOption {
  const { metric, forecast, thresholds } = input;

  const history: TimedValue[] = input.history.map((point) => [Date.parse(point.timestamp), point[metric]]);

  // Without an origin a forecast cannot be placed in time: draw history only.
  const quantiles = input.forecastOrigin ? forecast : null;
  const {
    p10: q10,
    p50: q50,
    p90: q90,
  } = quantiles ?? {
    p10: [],
    p50: [],
    p90: [],
  };
  const times = input.forecastOrigin ? forecastTimestamps(input.forecastOrigin, input.stepSeconds, q50.length) : [];
  const p10: TimedValue[] = times.map((t, h) => [t, q10[h]]);
  const p50: TimedValue[] = times.map((t, h) => [t, q50[h]]);
  // Quantile crossings are clamped: a band never has negative width.
  const width: TimedValue[] = times.map((t, h) => [t, Math.max(0, q90[h] - q10[h])]);
  const p90ByTime = new Map(times.map((t, h) => [t, q90[h]]));
  const p10ByTime = new Map(times.map((t, h) => [t, q10[h]]));

  const originMs = input.forecastOrigin ? Date.parse(input.forecastOrigin) : null;
  const markers: NonNullable<LineSeriesOption['markLine']>['data'] = [
    {
      name: 'warning',
      yAxis: thresholds.warning,
      lineStyle: { color: CHART_COLORS.warning, type: 'dashed', width: 1 },
      label: {
        formatter: `warning ${thresholds.warning}`,
        color: CHART_COLORS.warning,
        position: 'insideEndBottom',
      },
    },
    {
      name: 'critical',
      yAxis: thresholds.critical,
      lineStyle: { color: CHART_COLORS.critical, type: 'dashed', width: 1 },
      label: {
        formatter: `critical ${thresholds.critical}`,
        color: CHART_COLORS.critical,
        position: 'insideEndTop',
      },
    },
  ];
  if (originMs !== null) {
    markers.push({
      name: 'now',
      xAxis: originMs,
      lineStyle: { color: CHART_COLORS.now, type: 'solid', width: 1 },
      label: { formatter: 'now', color: CHART_COLORS.now, position: 'end' },
    });
  }

  const allValues = [...history.map(([, v]) => v), ...q90];
  const firstTime = history.length > 0 ? history[0][0] : (times[0] ?? null);
  const lastTime = times.length > 0 ? times[times.length - 1] : history.length > 0 ? history[history.length - 1][0] : null;

  const noSymbol = { showSymbol: false, symbol: 'none' } as const;
  return {
    animation: false,
    grid: { left: 48, right: 72, top: 36, bottom: 28 },
    legend: {
      top: 0,
      left: 0,
      data: ['observed', 'forecast p50', 'p10–p90'],
      textStyle: { fontSize: 11 },
    },
    tooltip: {
      trigger: 'axis',
      formatter: (params: unknown) => forecastTooltip(metric, params, p10ByTime, p90ByTime),
    },
    xAxis: {
      type: 'time',
      min: firstTime ?? 'dataMin',
      max: lastTime ?? 'dataMax',
      axisLabel: { color: CHART_COLORS.axis, hideOverlap: true },
    },
    yAxis: {
      type: 'value',
      min: 0,
      max: axisMax(metric, allValues, thresholds),
      axisLabel: { color: CHART_COLORS.axis },
      splitLine: { lineStyle: { color: '#e2e8f0' } },
    },
    series: [
      {
        id: 'history',
        name: 'observed',
        type: 'line',
        data: history,
        connectNulls: false,
        ...noSymbol,
        lineStyle: { color: CHART_COLORS.history, width: 1.5 },
        itemStyle: { color: CHART_COLORS.history },
        markLine: { symbol: 'none', silent: true, data: markers },
      },
      {
        id: 'band-base',
        name: 'p10',
        type: 'line',
        stack: 'band',
        data: p10,
        ...noSymbol,
        lineStyle: { opacity: 0 },
        tooltip: { show: false },
      },
      {
        id: 'band',
        name: 'p10–p90',
        type: 'line',
        stack: 'band',
        data: width,
        ...noSymbol,
        lineStyle: { opacity: 0 },
        areaStyle: { color: CHART_COLORS.band },
        itemStyle: { color: CHART_COLORS.band },
      },
      {
        id: 'p50',
        name: 'forecast p50',
        type: 'line',
        data: p50,
        ...noSymbol,
        lineStyle: { color: CHART_COLORS.p50, width: 2, type: 'dashed' },
        itemStyle: { color: CHART_COLORS.p50 },
      },
    ],
  };
}

interface AxisTooltipParam {
  seriesId?: string;
  value?: unknown;
  axisValue?: unknown;
}

function forecastTooltip(
  metric: MetricName,
  params: unknown,
  p10ByTime: ReadonlyMap<number, number>,
  p90ByTime: ReadonlyMap<number, number>,
): string {
  const list = (Array.isArray(params) ? params : [params]) as AxisTooltipParam[];
  const time = Number(list[0]?.axisValue);
  const lines = [new Date(time).toISOString().slice(0, 16).replace('T', ' ')];
  for (const p of list) {
    const v = Array.isArray(p.value) ? (p.value[1] as number | null) : null;
    if (p.seriesId === 'history') {
      lines.push(`observed ${formatMetricValue(metric, v)}`);
    } else if (p.seriesId === 'p50') {
      lines.push(`p50 ${formatMetricValue(metric, v)}`);
    }
  }
  if (p10ByTime.has(time)) {
    lines.push(`p10–p90 ${formatMetricValue(metric, p10ByTime.get(time))} – ${formatMetricValue(metric, p90ByTime.get(time))}`);
  }
  return lines.join('<br>');
}
