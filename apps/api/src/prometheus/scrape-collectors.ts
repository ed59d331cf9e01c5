import { Inject, Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { CLOCK, METRICS, type Clock } from '@tft/contracts';
import { AlertsService } from '../alerts/alerts.service';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { BREACH_SEVERITIES, HIGHLIGHT_HORIZONS, HIGHLIGHT_QUANTILES, highlightIndex } from '../snapshot/forecast-highlights';
import { LatestPass } from '../snapshot/latest-pass';
import { STEP_GRID, type StepGrid } from '../step-grid';
import { ForecastStore } from '../read-model/forecast-store';
import { RECORD_WINDOWS } from '../track-record/record-windows';
import { TrackRecordService } from '../track-record/track-record.service';
import { WindowService } from '../window/window.service';
import { METRICS_REGISTRY } from '../metrics/metrics-registry';
import { EXPOSITION_CONTENT_TYPES, OPENMETRICS_EOF, openMetricsFamilies, type ExpositionFormat } from './open-metrics';

/** Percent metrics are exposed as ratios (0..1), Prometheus' base unit for a share. */
const RATIO_METRICS = new Set<string>(['cpu_percent', 'memory_percent', 'disk_percent']);

/** One exposition of GET /metrics, as negotiated. */
export interface Exposition {
  contentType: string;
  body: string;
}

/** The per-server part in both formats, built from the same forecasts. */
interface PerServerText {
  text(): Promise<string>;
  openMetrics(): Promise<string>;
}

/**
 * The gauges GET /metrics reads from the api's state at scrape time: the daemon's health and, unless
 * METRICS_PER_SERVER=false, each server's forecast (docs/PROMETHEUS.md lists the series).
 */
@Injectable()
export class ScrapeCollectors {
  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Inject(API_CONFIG) config: ApiConfig,
    @Inject(CLOCK) clock: Clock,
    passes: LatestPass,
    @Inject(STEP_GRID) grid: StepGrid,
    store: ForecastStore,
    windows: WindowService,
    alerts: AlertsService,
    record: TrackRecordService,
  ) {
    collectDefaultMetrics({ register: registry });
    const registers = [registry];

    new Gauge({
      name: 'tft_servers',
      help: 'Servers with a current forecast, by the model that made it (stale servers are out)',
      labelNames: ['model'],
      registers,
      collect() {
        const counts = { TFT: 0, heuristic: 0 };
        for (const f of store.scrapes()) counts[f.model]++;
        for (const [model, n] of Object.entries(counts)) this.set({ model }, n);
      },
    });
    new Gauge({
      name: 'tft_newest_forecast_age_seconds',
      help: 'Wall-clock seconds since the newest forecast was made; absent before the first',
      registers,
      collect() {
        this.reset();
        const { newestForecastAt } = passes.stats;
        if (newestForecastAt !== null) this.set((clock.now() - newestForecastAt) / 1000);
      },
    });
    new Gauge({
      name: 'tft_data_time_seconds',
      help: 'Data time: the newest sample accepted for any server (Unix seconds); absent before any',
      registers,
      collect() {
        this.reset();
        const t = windows.dataTime();
        if (t !== null) this.set(t);
      },
    });
    new Gauge({
      name: 'tft_alerts_firing',
      help: 'Predicted-breach alerts firing, by severity',
      labelNames: ['severity'],
      registers,
      collect() {
        const counts = { warning: 0, critical: 0 };
        for (const a of alerts.active()) counts[a.severity]++;
        for (const [severity, n] of Object.entries(counts)) this.set({ severity }, n);
      },
    });
    new Gauge({
      name: 'tft_forecast_step_seconds',
      help: "The model's step: each closed step re-forecasts every server that reported in it",
      registers,
    }).set(grid.stepSeconds);
    // Per profile rather than per server (tft_server_info names each server's profile); fixed at startup.
    const ratioThreshold = new Gauge({
      name: 'tft_alert_threshold_utilisation_ratio',
      help: 'Alert threshold of cpu, memory or disk use as a ratio, by profile and severity (the pairs of GET /alerts/thresholds)',
      labelNames: ['profile', 'metric', 'severity'],
      registers,
    });
    const loadThreshold = new Gauge({
      name: 'tft_alert_threshold_load_average',
      help: 'Alert threshold of the 1-minute load average, by profile and severity (the pairs of GET /alerts/thresholds)',
      labelNames: ['profile', 'metric', 'severity'],
      registers,
    });
    for (const { profile, thresholds } of alerts.thresholdsInEffect().profiles) {
      for (const metric of METRICS) {
        for (const severity of BREACH_SEVERITIES) {
          const value = thresholds[metric][severity];
          if (RATIO_METRICS.has(metric)) ratioThreshold.set({ profile, metric, severity }, value / 100);
          else loadThreshold.set({ profile, metric, severity }, value);
        }
      }
    }
    this.trackRecordSeries(record, registers);
    if (config.metricsPerServer) this.perServer = this.perServerSeries(store, windows);
  }

  /** The live track record's fleet figures (GET /accuracy; every replica's sums in cluster mode), read at scrape time. */
  private trackRecordSeries(record: TrackRecordService, registers: Registry[]): void {
    const fleet = () => RECORD_WINDOWS.map((window) => ({ window, block: record.fleet(window) }));
    new Gauge({
      name: 'tft_forecast_wql',
      help: "Weighted quantile loss of the fleet's forecasts scored against the actuals, by horizon bucket, model (tft, persistence, seasonal_naive at the same origins) and window; absent before any",
      labelNames: ['bucket', 'model', 'window'],
      registers,
      collect() {
        this.reset();
        for (const { window, block } of fleet()) {
          for (const b of block.buckets) {
            for (const [model, wql] of [
              ['tft', b.tft_wql],
              ['persistence', b.persistence_wql],
              ['seasonal_naive', b.seasonal_naive_wql],
            ] as const) {
              if (wql !== null) this.set({ bucket: b.bucket, model, window }, wql);
            }
          }
        }
      },
    });
    new Gauge({
      name: 'tft_forecast_coverage_ratio',
      help: "Share of the fleet's actuals inside the TFT's p10-p90 band (ideal 0.8), by horizon bucket and window; absent before any",
      labelNames: ['bucket', 'window'],
      registers,
      collect() {
        this.reset();
        for (const { window, block } of fleet()) {
          for (const b of block.buckets) if (b.coverage_p10_p90 !== null) this.set({ bucket: b.bucket, window }, b.coverage_p10_p90);
        }
      },
    });
    new Gauge({
      name: 'tft_forecast_scored_targets',
      help: "Actuals (closed steps x metrics) the fleet's forecasts were scored on, by horizon bucket and window",
      labelNames: ['bucket', 'window'],
      registers,
      collect() {
        this.reset();
        for (const { window, block } of fleet()) for (const b of block.buckets) this.set({ bucket: b.bucket, window }, b.n);
      },
    });
    new Gauge({
      name: 'tft_alert_precision_ratio',
      help: "Share of the fleet's ended alerts followed by a breach within their predicted window (30 min grace), by window; absent before any",
      labelNames: ['window'],
      registers,
      collect() {
        this.reset();
        for (const { window, block } of fleet()) if (block.alerts.precision !== null) this.set({ window }, block.alerts.precision);
      },
    });
    new Counter({
      name: 'tft_alert_outcomes_total',
      help: "Alerts of this instance's servers that ended, by how they turned out: hit (breach within the window), late (within 8 h after it), false",
      labelNames: ['outcome'],
      registers,
      collect() {
        this.reset();
        for (const [outcome, n] of Object.entries(record.outcomes())) this.inc({ outcome }, n);
      },
    });
  }

  /** The per-server forecast series, or null with METRICS_PER_SERVER=false. */
  private readonly perServer: PerServerText | null = null;

  /** The exposition GET /metrics serves in the format asked for: the daemon's series, then the per-server forecasts. */
  async exposition(format: ExpositionFormat): Promise<Exposition> {
    const daemon = await this.registry.metrics();
    const contentType = EXPOSITION_CONTENT_TYPES[format];
    if (format === 'text') return { contentType, body: this.perServer ? daemon + (await this.perServer.text()) : daemon };
    const perServer = this.perServer ? await this.perServer.openMetrics() : '';
    return { contentType, body: openMetricsFamilies(daemon) + perServer + OPENMETRICS_EOF };
  }

  /**
   * The per-server series in a registry of their own, rebuilt only when the forecasts changed: filling
   * and formatting tens of thousands of label sets on every scrape would stall every read behind it.
   */
  private perServerSeries(store: ForecastStore, windows: WindowService): PerServerText {
    const registry = new Registry();
    const registers = [registry];
    const info = new Gauge({
      name: 'tft_server_info',
      help: 'A server with a current forecast: its profile (whose tft_alert_threshold_* apply) and the model that made the forecast; always 1',
      labelNames: ['server', 'profile', 'model'],
      registers,
    });
    const utilisation = new Gauge({
      name: 'tft_forecast_utilisation_ratio',
      help: 'Forecast cpu, memory or disk use as a ratio (percent / 100) at a horizon ahead of the forecast origin, by percentile',
      labelNames: ['server', 'metric', 'horizon', 'percentile'],
      registers,
    });
    const load = new Gauge({
      name: 'tft_forecast_load_average',
      help: 'Forecast 1-minute load average at a horizon ahead of the forecast origin, by percentile',
      labelNames: ['server', 'metric', 'horizon', 'percentile'],
      registers,
    });
    const breach = new Gauge({
      name: 'tft_predicted_breach_seconds',
      help: "Seconds from the server's newest sample (when forecast) until its median forecast reaches the threshold; absent when not within 8 h",
      labelNames: ['server', 'metric', 'severity'],
      registers,
    });
    const probability = new Gauge({
      name: 'tft_incident_probability_ratio',
      help: 'Probability that some metric of the server reaches its critical threshold within the window',
      labelNames: ['server', 'window'],
      registers,
    });
    let built: { generation: number; text: Promise<string>; openMetrics: Promise<string> | null } | null = null;
    const fill = (): void => {
      for (const g of [info, utilisation, load, breach, probability]) g.reset();
      for (const { server, profile, model, risk, highlights } of store.scrapes()) {
        info.set({ server, profile: profile ?? 'unknown', model }, 1);
        probability.set({ server, window: '30m' }, risk.probability_30m);
        probability.set({ server, window: '8h' }, risk.probability_8h);
        const dataTime = windows.get(server)?.lastSample ?? Number.NaN;
        METRICS.forEach((metric, m) => {
          const ratio = RATIO_METRICS.has(metric);
          HIGHLIGHT_HORIZONS.forEach(({ label: horizon }, h) => {
            HIGHLIGHT_QUANTILES.forEach((percentile, k) => {
              const v = highlights.quantiles[highlightIndex(m, h, k)];
              if (Number.isNaN(v)) return;
              if (ratio) utilisation.set({ server, metric, horizon, percentile }, Math.round(v * 100) / 10_000);
              else load.set({ server, metric, horizon, percentile }, Math.round(v * 100) / 100);
            });
          });
          BREACH_SEVERITIES.forEach((severity, s) => {
            const at = highlights.breachAt[m * BREACH_SEVERITIES.length + s];
            if (!Number.isNaN(at) && Number.isFinite(dataTime)) breach.set({ server, metric, severity }, Math.max(0, at - dataTime));
          });
        });
      }
    };
    const current = () => {
      if (built?.generation !== store.forecastGeneration) {
        fill();
        built = { generation: store.forecastGeneration, text: registry.metrics(), openMetrics: null };
      }
      return built;
    };
    return {
      text: () => current().text,
      openMetrics: () => {
        const b = current();
        return (b.openMetrics ??= b.text.then(openMetricsFamilies));
      },
    };
  }
}
