import type { FleetServerDto } from '@tft/api-client';
import { formatProbability } from '../../core/format';
import { CHART_COLORS, type ConsoleChartOption } from '../../shared/chart-types';

export interface RiskRow {
  server: string;
  probability30m: number;
  probability8h: number;
  driver: string | null;
}

/**
 * The `limit` riskiest servers: 8-hour probability, then 30-minute, then name (the summary's own
 * order, which makes this one pass over an already sorted list).
 */
export function topRiskServers(servers: readonly FleetServerDto[], limit = 10): RiskRow[] {
  const top: FleetServerDto[] = [];
  if (limit <= 0) return [];
  const before = (a: FleetServerDto, b: FleetServerDto) =>
    a.risk.probability_8h !== b.risk.probability_8h
      ? a.risk.probability_8h > b.risk.probability_8h
      : a.risk.probability_30m !== b.risk.probability_30m
        ? a.risk.probability_30m > b.risk.probability_30m
        : a.name < b.name;
  for (const s of servers) {
    if (top.length === limit && !before(s, top[limit - 1])) continue;
    let i = Math.min(top.length, limit - 1);
    top[i] = s;
    while (i > 0 && before(top[i], top[i - 1])) {
      [top[i], top[i - 1]] = [top[i - 1], top[i]];
      i--;
    }
  }
  return top.map((s) => ({
    server: s.name,
    probability30m: s.risk.probability_30m,
    probability8h: s.risk.probability_8h,
    driver: s.risk.driver,
  }));
}

/** Horizontal bars, riskiest on top: probability (%) of reaching a critical threshold. */
export function buildTopRiskOption(rows: readonly RiskRow[]): ConsoleChartOption {
  const pct = (p: number) => Math.round(p * 1000) / 10;
  return {
    animation: false,
    grid: { left: 90, right: 24, top: 30, bottom: 24 },
    legend: { top: 0, data: ['within 8 h', 'within 30 min'] },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (params: unknown) => {
        const list = params as { dataIndex: number }[];
        const row = rows[list[0]?.dataIndex ?? -1];
        if (!row) return '';
        return (
          `<b>${row.server}</b><br>8 h: ${formatProbability(row.probability8h)}` +
          `<br>30 min: ${formatProbability(row.probability30m)}` +
          (row.driver ? `<br>driver: ${row.driver}` : '')
        );
      },
    },
    xAxis: {
      type: 'value',
      min: 0,
      max: 100,
      axisLabel: { formatter: '{value} %', color: CHART_COLORS.axis },
    },
    yAxis: {
      type: 'category',
      inverse: true,
      data: rows.map((r) => r.server),
      axisLabel: { color: CHART_COLORS.axis, fontSize: 11 },
    },
    series: [
      {
        id: 'risk-8h',
        name: 'within 8 h',
        type: 'bar',
        data: rows.map((r) => pct(r.probability8h)),
        itemStyle: { color: CHART_COLORS.risk8h },
        cursor: 'pointer',
      },
      {
        id: 'risk-30m',
        name: 'within 30 min',
        type: 'bar',
        data: rows.map((r) => pct(r.probability30m)),
        itemStyle: { color: CHART_COLORS.risk30m },
        cursor: 'pointer',
      },
    ],
  };
}
