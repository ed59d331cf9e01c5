import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { DatePipe } from '@angular/common';
import { RouterLink } from '@angular/router';
import { formatMetricValue, formatMinutesAhead, formatProbability, formatTimestamp, formatTrigger, METRIC_INFO } from '../../core/format';
import { asServiceError } from '../../core/api';
import { changeFeed, passTouches } from '../../core/change-feed';
import { REFRESH_POLICY, refresher } from '../../core/refresh';
import { METRICS, thresholdsOf } from '../../core/thresholds';
import { ServersService } from '../../data/servers.service';
import { ThresholdsService } from '../../data/thresholds.service';
import { Chart } from '../../shared/chart';
import { Drivers, inputName } from './drivers';
import { buildForecastChartOption } from './forecast-chart-options';
import { losesTo, TrackRecord } from './track-record';

/**
 * One server: history + 8-hour forecast per metric, model and warmup, drivers, its alerts and its
 * track record (marked when its forecasts lose to a baseline). Fetches
 * GET /servers/{name} alone, again when a pass event names the server (or after a resync), never
 * anything fleet-wide.
 */
@Component({
  selector: 'app-server-detail',
  imports: [Chart, DatePipe, Drivers, RouterLink, TrackRecord],
  templateUrl: './server-detail.html',
  styleUrl: './server-detail.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ServerDetail {
  /** Route parameter `:name` (router input binding). */
  readonly name = input.required<string>();

  private readonly servers = inject(ServersService);
  private readonly thresholdsService = inject(ThresholdsService);
  private readonly policy = inject(REFRESH_POLICY);
  protected readonly feed = changeFeed({
    pass: (event) => {
      if (passTouches(event, new Set([this.name()]))) this.detail.request();
    },
    resync: () => this.detail.request(),
  });
  protected readonly detail = refresher(
    async (signal) => {
      const [server, thresholds] = await Promise.all([this.servers.detail(this.name(), signal), this.thresholdsService.inEffect(signal)]);
      // the attribution is the TFT's alone; a failure to read it leaves the rest of the page standing
      const drivers =
        server.forecast?.model === 'TFT'
          ? await this.servers.drivers(this.name(), signal).then(
              (body) => ({ body, error: null }),
              (err: unknown) => ({
                body: null,
                error: `What drives this forecast could not be read. ${asServiceError('api', err).message}`,
              }),
            )
          : { body: null, error: null };
      return { server, thresholds, drivers };
    },
    {
      service: 'api',
      key: () => this.name(),
      minGapMs: () => this.policy.minGapMs,
      pollWhile: () => this.feed.state() === 'down',
    },
  );

  protected readonly server = computed(() => this.detail.value()?.server ?? null);
  protected readonly notFound = computed(() => this.detail.error()?.status === 404 && !this.server());
  protected readonly thresholds = computed(() => {
    const d = this.detail.value();
    return d ? thresholdsOf(d.thresholds, d.server.profile) : null;
  });
  protected readonly forecast = computed(() => this.server()?.forecast ?? null);
  protected readonly drivers = computed(() => this.detail.value()?.drivers ?? { body: null, error: null });
  /** The baseline this server's forecasts lose to over 7 d, if they do. */
  protected readonly losesTo = computed(() => losesTo(this.server()?.track_record?.last_7d));
  protected readonly charts = computed(() => {
    const s = this.server();
    const thresholds = this.thresholds();
    if (!s || !thresholds) return [];
    return METRICS.map((metric) => ({
      metric,
      label: METRIC_INFO[metric].label,
      thresholds: thresholds[metric],
      current: s.forecast?.[metric]?.current ?? null,
      trend: s.forecast?.[metric]?.trend ?? null,
      option: buildForecastChartOption({
        metric,
        history: s.history,
        forecast: s.forecast?.[metric] ?? null,
        forecastOrigin: s.forecast?.forecast_origin ?? null,
        stepSeconds: s.step_seconds,
        thresholds: thresholds[metric],
      }),
    }));
  });

  protected readonly formatValue = formatMetricValue;
  protected readonly probability = formatProbability;
  protected readonly formatAhead = formatMinutesAhead;
  protected readonly formatTrigger = formatTrigger;
  protected readonly formatTime = formatTimestamp;
  protected readonly info = METRIC_INFO;
  protected readonly inputName = inputName;
}
