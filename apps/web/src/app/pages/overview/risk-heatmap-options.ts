import type { ServerPredictionDto } from '@tft/api-client';
import { formatMetricValue, METRIC_INFO } from '../../core/format';
import { METRICS, thresholdsOf, type MetricName, type ThresholdsDto } from '../../core/thresholds';
import { CHART_COLORS, type ConsoleChartOption } from '../../shared/chart-types';

export interface RiskCell {
  server: string;
  metric: MetricName;
  /** Highest p90 over the horizon. */
  peakP90: number;
  critical: number;
  /** peakP90 as a percentage of the server's critical threshold for the metric (1 decimal). */
  score: number;
}

/** Score bands of the heatmap legend, in % of the critical threshold. */
export const RISK_BANDS = [
  { lt: 60, color: '#bbf7d0', label: '< 60 %' },
  { gte: 60, lt: 85, color: '#fde68a', label: '60–85 %' },
  { gte: 85, lt: 100, color: '#fb923c', label: '85–100 %' },
  { gte: 100, color: CHART_COLORS.critical, label: '≥ critical' },
] as const;

/** Servers the heatmap shows: the riskiest few, never the fleet. */
export const HEATMAP_SERVERS = 25;

/**
 * One cell per server and metric, servers in the order of `servers` (those without a forecast in
 * `predictions` left out): how close the forecast's upper band (max p90 over the 8 hours) comes to
 * that server's critical threshold (profile overrides included). 100 = reaches critical.
 */
export function riskCells(
  servers: readonly string[],
  predictions: Readonly<Record<string, ServerPredictionDto>>,
  table: ThresholdsDto,
): RiskCell[] {
  const cells: RiskCell[] = [];
  for (const server of servers) {
    const forecast = predictions[server] as ServerPredictionDto | undefined;
    if (!forecast) continue;
    const thresholds = thresholdsOf(table, forecast.profile);
    for (const metric of METRICS) {
      const p90 = forecast[metric]?.p90;
      if (!p90) continue;
      const peakP90 = p90.length > 0 ? Math.max(...p90) : 0;
      const critical = thresholds[metric].critical;
      cells.push({
        server,
        metric,
        peakP90,
        critical,
        score: Math.round((peakP90 / critical) * 1000) / 10,
      });
    }
  }
  return cells;
}

/** Height (px) that gives every server row room for its label. */
export function heatmapHeight(servers: number): number {
  return Math.max(160, servers * 22 + 90);
}

/** The heatmap of `servers` (riskiest first, on top). */
export function buildRiskHeatmapOption(
  servers: readonly string[],
  predictions: Readonly<Record<string, ServerPredictionDto>>,
  table: ThresholdsDto,
): ConsoleChartOption {
  const cells = riskCells(servers, predictions, table);
  const rows = [...new Set(cells.map((c) => c.server))];
  const row = new Map(rows.map((s, i) => [s, i]));
  return {
    animation: false,
    grid: { left: 90, right: 12, top: 28, bottom: 56 },
    tooltip: {
      formatter: (p: unknown) => {
        const cell = cells[(p as { dataIndex: number }).dataIndex];
        if (!cell) return '';
        return (
          `<b>${cell.server}</b> · ${METRIC_INFO[cell.metric].label}<br>` +
          `p90 peaks at ${formatMetricValue(cell.metric, cell.peakP90)} ` +
          `(critical ${cell.critical}): ${cell.score} %`
        );
      },
    },
    xAxis: {
      type: 'category',
      position: 'top',
      data: METRICS.map((m) => METRIC_INFO[m].label),
      splitArea: { show: true },
      axisLabel: { color: CHART_COLORS.axis },
    },
    yAxis: {
      type: 'category',
      data: rows,
      inverse: true,
      splitArea: { show: true },
      axisLabel: { color: CHART_COLORS.axis, fontSize: 11 },
    },
    visualMap: {
      type: 'piecewise',
      dimension: 2,
      orient: 'horizontal',
      left: 'center',
      bottom: 4,
      itemWidth: 14,
      itemHeight: 10,
      textStyle: { fontSize: 11 },
      pieces: RISK_BANDS.map((band) => ({ ...band })),
    },
    series: [
      {
        id: 'risk',
        name: '% of critical',
        type: 'heatmap',
        data: cells.map((c) => ({
          name: c.server,
          value: [METRICS.indexOf(c.metric), row.get(c.server) ?? 0, c.score],
        })),
        label: { show: true, fontSize: 10, formatter: '{@[2]}' },
        itemStyle: { borderColor: '#fff', borderWidth: 1 },
        emphasis: { itemStyle: { borderColor: '#0f172a', borderWidth: 1 } },
        cursor: 'pointer',
      },
    ],
  };
}
