import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { DatePipe } from '@angular/common';
import { Router } from '@angular/router';
import type { ECElementEvent } from 'echarts/core';
import { poll } from '../../core/poll';
import { AlertsService } from '../../data/alerts.service';
import { ThresholdsService } from '../../data/thresholds.service';
import { PredictionsService } from '../../data/predictions.service';
import { StatusService } from '../../data/status.service';
import { Chart } from '../../shared/chart';
import { AlertsTable } from './alerts-table';
import { FleetSummary } from './fleet-summary';
import { buildRiskHeatmapOption, heatmapHeight } from './risk-heatmap-options';
import { ScenarioControl } from './scenario-control';
import { ServerTable } from './server-table';
import { buildTopRiskOption, topRiskServers } from './top-risk-chart-options';

/** Fleet overview: health, risk, heatmap, alerts, servers and scenario control, refreshed live. */
@Component({
  selector: 'app-overview',
  imports: [AlertsTable, Chart, DatePipe, FleetSummary, ScenarioControl, ServerTable],
  templateUrl: './overview.html',
  styles: `
    .page {
      display: grid;
      gap: 16px;
    }
    .updated {
      font-size: 12px;
      text-align: right;
      margin: 0;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Overview {
  private readonly router = inject(Router);
  private readonly statusService = inject(StatusService);
  private readonly predictionsService = inject(PredictionsService);
  private readonly alertsService = inject(AlertsService);
  private readonly thresholdsService = inject(ThresholdsService);

  /** One poll for the api resources, so every view shows the same forecast pass. */
  protected readonly fleet = poll(
    async (signal) => {
      const [status, predictions, alerts, thresholds] = await Promise.all([
        this.statusService.status(signal),
        this.predictionsService.current(signal),
        this.alertsService.active(signal),
        this.thresholdsService.inEffect(signal),
      ]);
      return { status, predictions, alerts: alerts.alerts, thresholds };
    },
    { service: 'api' },
  );

  protected readonly data = this.fleet.value;
  /** Reporting servers; stale ones are listed apart. */
  protected readonly serverCount = computed(() => this.data()?.status.fleet.total_servers ?? 0);
  protected readonly staleServers = computed(() => (this.data()?.status.servers ?? []).filter((s) => s.stale).map((s) => s.server_name));
  protected readonly forecastCount = computed(() => Object.keys(this.data()?.predictions.predictions ?? {}).length);
  protected readonly topRiskOption = computed(() => buildTopRiskOption(topRiskServers(this.data()?.predictions.predictions ?? {})));
  protected readonly heatmapOption = computed(() => {
    const d = this.data();
    // the template shows the heatmap only once the data is there
    return d ? buildRiskHeatmapOption(d.predictions.predictions, d.thresholds) : {};
  });
  protected readonly heatmapHeight = computed(() => `${heatmapHeight(this.forecastCount())}px`);

  protected openServer(event: ECElementEvent): void {
    if (typeof event.name === 'string' && event.name) {
      void this.router.navigate(['/servers', event.name]);
    }
  }
}
