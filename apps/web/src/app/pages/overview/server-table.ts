import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { AlertDto, ServerPredictionDto, ServerStatusDto } from '@tft/api-client';
import { formatMetricValue, formatProbability, METRIC_INFO } from '../../core/format';
import { METRICS, type MetricName } from '../../core/thresholds';

export interface ServerRow {
  name: string;
  profile: string | null;
  model: 'TFT' | 'heuristic' | null;
  warmupPercent: number;
  isWarmedUp: boolean;
  probability30m: number | null;
  probability8h: number | null;
  driver: MetricName | null;
  critical: number;
  warning: number;
  current: Record<MetricName, number | null>;
}

/** One row per server the api knows, by name: readiness, latest values, risk and alert counts. */
export function serverRows(
  servers: readonly ServerStatusDto[],
  predictions: Readonly<Record<string, ServerPredictionDto>>,
  alerts: readonly AlertDto[],
): ServerRow[] {
  return [...servers]
    .sort((a, b) => a.server_name.localeCompare(b.server_name))
    .map((s) => {
      const f = predictions[s.server_name] as ServerPredictionDto | undefined;
      const mine = alerts.filter((a) => a.server === s.server_name);
      const current = {} as Record<MetricName, number | null>;
      for (const m of METRICS) current[m] = f ? f[m].current : null;
      return {
        name: s.server_name,
        profile: f?.profile ?? null,
        model: f?.model ?? s.model ?? null,
        warmupPercent: s.progress_percent,
        isWarmedUp: s.is_warmed_up,
        probability30m: f ? f.risk.probability_30m : null,
        probability8h: f ? f.risk.probability_8h : null,
        driver: f?.risk.driver ?? null,
        critical: mine.filter((a) => a.severity === 'critical').length,
        warning: mine.filter((a) => a.severity === 'warning').length,
        current,
      };
    });
}

/** The fleet as a table; each name links to the server's page. */
@Component({
  selector: 'app-server-table',
  imports: [RouterLink],
  templateUrl: './server-table.html',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ServerTable {
  readonly servers = input.required<readonly ServerStatusDto[]>();
  readonly predictions = input.required<Readonly<Record<string, ServerPredictionDto>>>();
  readonly alerts = input.required<readonly AlertDto[]>();

  protected readonly rows = computed(() => serverRows(this.servers(), this.predictions(), this.alerts()));
  protected readonly metrics = METRICS;
  protected readonly info = METRIC_INFO;
  protected readonly formatValue = formatMetricValue;
  protected readonly probability = formatProbability;
}
