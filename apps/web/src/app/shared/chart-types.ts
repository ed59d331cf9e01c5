// Types only: importing them pulls no ECharts code into a bundle.
import type { BarSeriesOption, HeatmapSeriesOption, LineSeriesOption } from 'echarts/charts';
import type {
  GridComponentOption,
  LegendComponentOption,
  MarkLineComponentOption,
  TooltipComponentOption,
  VisualMapComponentOption,
} from 'echarts/components';
import type { ComposeOption } from 'echarts/core';

/** What the option builders may produce: exactly the parts registered in app/echarts.ts. */
export type ConsoleChartOption = ComposeOption<
  | LineSeriesOption
  | BarSeriesOption
  | HeatmapSeriesOption
  | GridComponentOption
  | LegendComponentOption
  | MarkLineComponentOption
  | TooltipComponentOption
  | VisualMapComponentOption
>;
export type { BarSeriesOption, HeatmapSeriesOption, LineSeriesOption };

/** Colours shared by the charts and the page styles (see styles.css). */
export const CHART_COLORS = {
  history: '#2563eb',
  p50: '#7c3aed',
  band: 'rgba(124, 58, 237, 0.18)',
  warning: '#d97706',
  critical: '#dc2626',
  now: '#475569',
  risk8h: '#f97316',
  risk30m: '#dc2626',
  axis: '#64748b',
} as const;
