import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { DriversDto, InputAttributionDto, ServerDriversDto } from '@tft/api-client';
import { METRIC_INFO } from '../../core/format';
import { METRICS } from '../../core/thresholds';

type MetricName = (typeof METRICS)[number];

interface WeightGroup {
  key: 'encoder' | 'decoder' | 'static';
  title: string;
  hint: string;
  items: { name: string; weight: number; percent: number }[];
}

const WEIGHT_GROUPS: readonly Omit<WeightGroup, 'items'>[] = [
  { key: 'encoder', title: 'Observed inputs', hint: 'past values the encoder weighs' },
  { key: 'decoder', title: 'Known future', hint: 'the same time yesterday and calendar features of the horizon' },
  { key: 'static', title: 'Static', hint: 'profile and scale of the server' },
];

/** Inputs listed per metric: past the first few the changes are noise to a reader. */
const LISTED = 4;

/** Variable-selection weights of the TFT, per input group, largest first. */
export function weightGroups(drivers: DriversDto): WeightGroup[] {
  return WEIGHT_GROUPS.map((g) => ({
    ...g,
    items: [...drivers[g.key]]
      .sort((a, b) => b.weight - a.weight)
      .map((d) => ({ name: d.name, weight: d.weight, percent: Math.round(d.weight * 1000) / 10 })),
  }));
}

/** `cpu_percent.recent` as "CPU, last hour"; `calendar`, `profile` as themselves. */
export function inputName(input: string): string {
  const [metric, kind] = input.split('.') as [MetricName, string | undefined];
  if (!kind) return input === 'calendar' ? 'Time of day, day of week' : 'Profile';
  return `${METRIC_INFO[metric]?.label ?? metric}, ${kind === 'recent' ? 'last hour' : '24 h ago'}`;
}

/** How far an input moves a metric's p50: points for percentages, plain for the load average. */
export function formatChange(metric: MetricName, change: number): string {
  return METRIC_INFO[metric].unit === '%' ? `${change.toFixed(1)} pts` : change.toFixed(2);
}

/** Per metric, the inputs that move its forecast most, with bars relative to the strongest. */
export function attributionRows(attribution: ServerDriversDto) {
  const metrics = attribution.metrics;
  if (!metrics) return [];
  return METRICS.map((metric) => {
    const rows: InputAttributionDto[] = metrics[metric].filter((r) => r.change > 0).slice(0, LISTED);
    const top = rows[0]?.change ?? 0;
    return {
      metric,
      label: METRIC_INFO[metric].label,
      items: rows.map((r) => ({
        input: r.input,
        name: inputName(r.input),
        change: formatChange(metric, r.change),
        percent: top > 0 ? Math.round((r.change / top) * 1000) / 10 : 0,
      })),
    };
  });
}

/**
 * What drives the forecast: per metric, the inputs whose ablation moves its p50 most (GET
 * /servers/{name}/drivers); the TFT's selection weights stay available, labelled for what they are.
 */
@Component({
  selector: 'app-drivers',
  templateUrl: './drivers.html',
  styleUrl: './drivers.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Drivers {
  readonly attribution = input<ServerDriversDto | null>(null);
  readonly weights = input<DriversDto | null | undefined>(null);
  readonly model = input<'TFT' | 'heuristic' | null>(null);
  /** Why the attribution could not be read, when it could not. */
  readonly error = input<string | null>(null);

  protected readonly metrics = computed(() => {
    const a = this.attribution();
    return a ? attributionRows(a) : [];
  });
  protected readonly weightGroups = computed(() => {
    const w = this.weights();
    return w ? weightGroups(w) : [];
  });
}
