import { ChangeDetectionStrategy, Component, computed, input, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { AlertDto } from '@tft/api-client';
import { formatMetricValue, formatMinutesAhead, formatTimestamp, formatTrigger, METRIC_INFO } from '../../core/format';
import { METRICS } from '../../core/thresholds';

export type AlertSortKey = 'severity' | 'metric' | 'minutes_ahead' | 'server';
export type SortDirection = 'asc' | 'desc';

const SEVERITY_RANK: Record<AlertDto['severity'], number> = {
  critical: 0,
  warning: 1,
};

/**
 * Alerts ordered by `key` ("asc" = critical first, metric in contract order, soonest first), ties
 * broken by severity, time to breach, server and metric so rows never jump between refreshes.
 */
export function sortAlerts(alerts: readonly AlertDto[], key: AlertSortKey, direction: SortDirection): AlertDto[] {
  const sign = direction === 'asc' ? 1 : -1;
  const primary = (a: AlertDto, b: AlertDto): number => {
    switch (key) {
      case 'severity':
        return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity];
      case 'metric':
        return METRICS.indexOf(a.metric) - METRICS.indexOf(b.metric);
      case 'minutes_ahead':
        return a.minutes_ahead - b.minutes_ahead;
      case 'server':
        return a.server.localeCompare(b.server);
    }
  };
  return [...alerts].sort(
    (a, b) =>
      sign * primary(a, b) ||
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      a.minutes_ahead - b.minutes_ahead ||
      a.server.localeCompare(b.server) ||
      METRICS.indexOf(a.metric) - METRICS.indexOf(b.metric),
  );
}

/** Rows the table draws; a large fleet's alerts beyond these are counted, not rendered. */
export const ALERT_ROWS_SHOWN = 200;

/**
 * The firing alerts, sortable by severity, server, metric and time to breach, in a box of fixed
 * height with its own scroll, so the page below does not move as alerts come and go.
 */
@Component({
  selector: 'app-alerts-table',
  imports: [RouterLink],
  templateUrl: './alerts-table.html',
  styles: `
    .box {
      height: 300px;
      overflow: auto;
      border: 1px solid var(--border);
      border-radius: 6px;
    }
    thead th {
      position: sticky;
      top: 0;
      background: var(--card);
      z-index: 1;
    }
    .more,
    [data-testid='no-alerts'] {
      margin: 8px;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AlertsTable {
  readonly alerts = input.required<readonly AlertDto[]>();

  protected readonly sortKey = signal<AlertSortKey>('severity');
  protected readonly direction = signal<SortDirection>('asc');
  private readonly sorted = computed(() => sortAlerts(this.alerts(), this.sortKey(), this.direction()));
  protected readonly rows = computed(() => this.sorted().slice(0, ALERT_ROWS_SHOWN));
  protected readonly hidden = computed(() => this.sorted().length - this.rows().length);
  protected readonly info = METRIC_INFO;
  protected readonly formatValue = formatMetricValue;
  protected readonly formatAhead = formatMinutesAhead;
  protected readonly formatTrigger = formatTrigger;
  protected readonly formatTime = formatTimestamp;

  protected sortBy(key: AlertSortKey): void {
    if (this.sortKey() === key) {
      this.direction.update((d) => (d === 'asc' ? 'desc' : 'asc'));
    } else {
      this.sortKey.set(key);
      this.direction.set('asc');
    }
  }

  protected arrow(key: AlertSortKey): string {
    if (this.sortKey() !== key) return '';
    return this.direction() === 'asc' ? '▲' : '▼';
  }

  protected ariaSort(key: AlertSortKey): string {
    if (this.sortKey() !== key) return 'none';
    return this.direction() === 'asc' ? 'ascending' : 'descending';
  }
}
