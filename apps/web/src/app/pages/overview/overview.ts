import { ChangeDetectionStrategy, Component, computed, effect, inject, untracked } from '@angular/core';
import { DatePipe } from '@angular/common';
import { Router } from '@angular/router';
import type { PassEventDto } from '@tft/api-client';
import type { ECElementEvent } from 'echarts/core';
import { changeFeed, passTouches } from '../../core/change-feed';
import { formatCount } from '../../core/format';
import { fleetGapMs, REFRESH_POLICY, refresher } from '../../core/refresh';
import { AccuracyService } from '../../data/accuracy.service';
import { AlertsService } from '../../data/alerts.service';
import { FleetService } from '../../data/fleet.service';
import { HealthService } from '../../data/health.service';
import { PredictionsService } from '../../data/predictions.service';
import { ThresholdsService } from '../../data/thresholds.service';
import { Chart } from '../../shared/chart';
import { AccuracyCard } from './accuracy-card';
import { AlertsTable } from './alerts-table';
import { FleetSummary } from './fleet-summary';
import { buildRiskHeatmapOption, HEATMAP_SERVERS, heatmapHeight } from './risk-heatmap-options';
import { ScenarioControl } from './scenario-control';
import { ServerTable } from './server-table';
import { buildTopRiskOption, topRiskServers } from './top-risk-chart-options';

/** Bars in the top-risk chart. */
const TOP_RISK_BARS = 10;
/** The track record moves by a few scored steps per pass: read it at most this often. */
const ACCURACY_GAP_MS = 60_000;

/**
 * Fleet overview: health, expected critical servers, the riskiest servers, alerts, the whole fleet
 * as a virtual-scrolled table, and the scenario control. Driven by GET /fleet/summary and the change
 * feed: a pass event asks for the summary, an alert event for the alerts, a reset or reconnect for
 * everything; each resource then refetches no more often than its gap and byte budget allow
 * (REFRESH_POLICY), which grow with the fleet, and polls at that pace while the feed is down.
 */
@Component({
  selector: 'app-overview',
  imports: [AccuracyCard, AlertsTable, Chart, DatePipe, FleetSummary, ScenarioControl, ServerTable],
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
    .note {
      font-weight: normal;
      font-size: 12px;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Overview {
  private readonly router = inject(Router);
  private readonly policy = inject(REFRESH_POLICY);
  private readonly fleetService = inject(FleetService);
  private readonly predictionsService = inject(PredictionsService);
  private readonly alertsService = inject(AlertsService);
  private readonly healthService = inject(HealthService);
  private readonly thresholdsService = inject(ThresholdsService);
  private readonly accuracyService = inject(AccuracyService);

  /** Fleet size of the latest pass event, which may run ahead of the summary shown. */
  private passTotal = 0;

  protected readonly feed = changeFeed({
    pass: (event) => this.onPass(event),
    alert: () => this.alerts.request(),
    resync: () => this.resync(),
  });
  private readonly feedDown = () => this.feed.state() === 'down';
  /** Gap of the fleet-sized resources for the fleet as last seen. */
  protected readonly fleetGap = () => fleetGapMs(this.policy, Math.max(this.passTotal, this.summary.value()?.fleet.total_servers ?? 0));

  protected readonly summary = refresher((signal) => this.fleetService.summary(signal), {
    service: 'api',
    minGapMs: this.fleetGap,
    budget: { url: this.fleetService.summaryUrl, bytesPerMinute: this.policy.summaryBytesPerMinute },
    pollWhile: this.feedDown,
  });
  protected readonly alerts = refresher((signal) => this.alertsService.active(signal), {
    service: 'api',
    minGapMs: this.fleetGap,
    budget: { url: this.alertsService.activeUrl, bytesPerMinute: this.policy.sideBytesPerMinute },
    pollWhile: this.feedDown,
  });
  /** The fleet's track record over both windows (GET /accuracy). */
  protected readonly accuracy = refresher(
    async (signal) => {
      const [day, week] = await Promise.all([this.accuracyService.fleet('24h', signal), this.accuracyService.fleet('7d', signal)]);
      return { day, week };
    },
    {
      service: 'api',
      minGapMs: () => Math.max(ACCURACY_GAP_MS, this.fleetGap()),
      pollWhile: this.feedDown,
    },
  );
  /** The model the api runs: fixed while it runs, so read again only after a resync. */
  protected readonly health = refresher((signal) => this.healthService.health(signal), {
    service: 'api',
    minGapMs: () => this.policy.minGapMs,
  });

  protected readonly data = this.summary.value;
  protected readonly servers = computed(() => this.data()?.servers ?? []);
  protected readonly serverCount = computed(() => this.data()?.fleet.total_servers ?? 0);
  protected readonly serversAlerting = computed(() => this.servers().reduce((n, s) => (s.alert ? n + 1 : n), 0));
  protected readonly warmupPercent = computed(() => {
    const servers = this.servers();
    return servers.length ? servers.reduce((sum, s) => sum + s.warmup.progress_percent, 0) / servers.length : 100;
  });
  protected readonly riskiest = computed(() => topRiskServers(this.servers(), HEATMAP_SERVERS));
  protected readonly topRiskOption = computed(() => buildTopRiskOption(this.riskiest().slice(0, TOP_RISK_BARS)));

  /** Names the heatmap shows, riskiest first; its forecasts are fetched for these alone. */
  private readonly heatmapServers = computed(() => this.riskiest().map((r) => r.server));
  private readonly heatmapSet = computed(() => new Set(this.heatmapServers()));
  /** Changes when the set changes, not its order. */
  private readonly heatmapKey = computed(() => [...this.heatmapServers()].sort().join(','));
  protected readonly heatmap = refresher(
    async (signal) => {
      const names = this.heatmapServers();
      const [predictions, thresholds] = await Promise.all([
        names.length ? this.predictionsService.ofServers(names, signal) : null,
        this.thresholdsService.inEffect(signal),
      ]);
      return { predictions, thresholds };
    },
    {
      service: 'api',
      minGapMs: () => this.policy.minGapMs,
      budget: { url: this.predictionsService.currentUrl, bytesPerMinute: this.policy.sideBytesPerMinute },
      lazy: true,
    },
  );
  /** Heatmap rows, top to bottom: the riskiest servers in today's order, those with a forecast fetched. */
  protected readonly heatmapRows = computed(() => {
    const forecasts = this.heatmap.value()?.predictions?.predictions;
    return forecasts ? this.heatmapServers().filter((n) => n in forecasts) : [];
  });
  protected readonly heatmapOption = computed(() => {
    const h = this.heatmap.value();
    return h?.predictions ? buildRiskHeatmapOption(this.heatmapRows(), h.predictions.predictions, h.thresholds) : null;
  });
  protected readonly heatmapHeight = computed(() => `${heatmapHeight(this.heatmapRows().length || this.heatmapServers().length)}px`);
  protected readonly heatmapNote = computed(
    () => `riskiest ${formatCount(this.heatmapServers().length)} of ${formatCount(this.serverCount())}`,
  );
  protected readonly metadata = computed(() => this.heatmap.value()?.predictions?.metadata);

  protected readonly count = formatCount;
  protected readonly seconds = (ms: number) => Math.round(ms / 1000);

  constructor() {
    effect(() => {
      if (this.heatmapKey()) untracked(() => this.heatmap.request());
    });
  }

  private onPass(event: PassEventDto): void {
    this.passTotal = event.total_servers;
    this.summary.request();
    this.accuracy.request();
    if (passTouches(event, this.heatmapSet())) this.heatmap.request();
  }

  private resync(): void {
    this.summary.request();
    this.alerts.request();
    this.health.request();
    this.accuracy.request();
    if (this.heatmapKey()) this.heatmap.request();
  }

  protected openServer(event: ECElementEvent): void {
    if (typeof event.name === 'string' && event.name) {
      void this.router.navigate(['/servers', event.name]);
    }
  }
}
