import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { METRICS, type MetricName } from '@tft/contracts';
import {
  fleetIncidentRisk,
  heuristicForecast,
  isoSeconds,
  serverIncidentRisk,
  type Drivers,
  type ServerIncidentRisk,
  type StepSeries,
  round2,
  round3,
} from '@tft/forecasting';
import { AlertsService, type ServerForecastInput } from '../alerts/alerts.service';
import { WarmupService } from '../warmup/warmup.service';
import { WindowService, type ServerEntry } from '../window/window.service';
import { CLOCK, type Clock } from '@tft/contracts';
import { CachedBody } from '../common/cached-body';
import { ApiMetrics } from '../metrics/api-metrics';
import { forecastHighlights, type ForecastHighlights } from './forecast-highlights';
import { ForecastJson, LIVE_NUMBERS } from './forecast-json';
import { DeferredCollection, GARBAGE_COLLECTOR, type GarbageCollector } from './garbage-collector';
import { MODEL_RUNTIME, type ForecastRequest, type ModelKind, type ModelRuntime } from './providers/model-provider';

export interface MetricPrediction {
  p10: number[];
  p50: number[];
  p90: number[];
  /** Latest observed value (mean of the newest step so far). */
  current: number;
  /** Median change per hour over the horizon: (p50 at the horizon - current) / horizon hours. */
  trend: number;
}

export interface ServerPrediction extends Record<MetricName, MetricPrediction> {
  model: ModelKind;
  profile: string | null;
  /** Start of the last step the forecast is based on; step h covers origin + (h+1) x step. */
  forecast_origin: string;
  drivers: Drivers | null;
  risk: {
    probability_30m: number;
    probability_8h: number;
    driver: MetricName | null;
  };
}

/**
 * The window state a forecast was made from: the closed-steps version for the TFT (it sees closed
 * steps only), every change for the heuristic (it sees the open step too).
 */
interface ForecastStamp {
  model: ModelKind;
  version: number;
}

const sameStamp = (a: ForecastStamp, b: ForecastStamp): boolean => a.model === b.model && a.version === b.version;

/**
 * One server's forecast, kept only in serialised form (inside the predictions body, off the heap):
 * quantile arrays and prediction objects per server would be several copies of every number.
 */
interface CachedForecast {
  model: ModelKind;
  risk: ServerIncidentRisk;
  stamp: ForecastStamp;
  /** Window changes `current` was read at: the open step moves it between TFT re-forecasts. */
  changes: number;
  /** `"name":` as JSON, the key of this server's entry in the predictions body. */
  key: Buffer;
  /** The ServerPrediction as JSON; a pass re-serialises only the servers that changed. */
  forecast: ForecastJson;
  /** p50 at the horizon per metric (rounded as sent): `trend` runs from `current` to it. */
  p50Last: Float64Array;
  /** The figures GET /metrics exposes. */
  highlights: ForecastHighlights;
}

/** One server's forecast as GET /metrics reads it. */
export interface ForecastScrape {
  server: string;
  model: ModelKind;
  risk: ServerIncidentRisk;
  highlights: ForecastHighlights;
}

/**
 * A pass over thousands of servers takes a while, and besides inference it is main-thread work
 * (window series, risk, serialisation), so it hands the event loop back every this many servers and
 * requests keep being answered meanwhile.
 */
const SERVERS_PER_SLICE = 100;
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A replaced predictions body at least this large (a fleet of a few thousand servers) is collected promptly. */
const COLLECT_DROPPED_BYTES = 16 * 1024 ** 2;

const NOTHING_RECEIVED = new Float64Array(METRICS.length).fill(Number.NaN);

/** Display precision; the fleet aggregate is computed from the unrounded values. */
const roundRisk = (r: ServerIncidentRisk): ServerIncidentRisk => ({
  ...r,
  probability_30m: Math.round(r.probability_30m * 1e4) / 1e4,
  probability_8h: Math.round(r.probability_8h * 1e4) / 1e4,
});

/**
 * The forecast passes and their cache. Each pass re-forecasts only servers whose window changed: warm
 * ones through the TFT in batched calls, the others through the heuristic. Readers get the cached,
 * pre-serialised responses and never trigger inference.
 */
@Injectable()
export class InferenceService implements OnApplicationShutdown {
  private readonly logger = new Logger('Inference');
  private readonly cache = new Map<string, CachedForecast>();
  private predictions!: CachedBody;
  private inFlight: Promise<number> | null = null;
  private followUp: Promise<number> | null = null;
  readonly droppedBodies: DeferredCollection;
  private passRequested = false;
  private closed = false;
  passCount = 0;
  lastPassMs = 0;
  /** Wall-clock time (ms) the newest forecast was made; null before the first. */
  newestForecastAt: number | null = null;
  /** Bumped whenever the set of forecasts changes (re-forecast, gone stale, retired): what scrapes() shows. */
  forecastGeneration = 0;

  constructor(
    @Inject(MODEL_RUNTIME) readonly runtime: ModelRuntime,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(GARBAGE_COLLECTOR) collector: GarbageCollector,
    private readonly windows: WindowService,
    private readonly warmup: WarmupService,
    private readonly alerts: AlertsService,
    private readonly metrics: ApiMetrics,
  ) {
    this.droppedBodies = new DeferredCollection(collector, 1000);
    // a closed step is forecast at once, without waiting for the interval
    windows.onStepsClosed(() => this.requestPass());
    this.serialise();
  }

  get predictionsBody(): CachedBody {
    return this.predictions;
  }

  forecastOf(server: string): ServerPrediction | null {
    const cached = this.cache.get(server);
    return cached ? (JSON.parse(cached.forecast.json.toString('utf8')) as ServerPrediction) : null;
  }

  /** Every current forecast's scrape figures. */
  *scrapes(): IterableIterator<ForecastScrape> {
    for (const [server, c] of this.cache) yield { server, model: c.model, risk: c.risk, highlights: c.highlights };
  }

  modelOf(server: string): ModelKind | null {
    return this.cache.get(server)?.model ?? null;
  }

  get busy(): boolean {
    return this.inFlight !== null;
  }

  /** Asks for a pass soon: requests within `delayMs` share one, so a burst of writes costs one pass. */
  requestPass(delayMs = 20): void {
    if (this.passRequested) return;
    this.passRequested = true;
    setTimeout(() => {
      this.passRequested = false;
      void this.pass();
    }, delayMs);
  }

  /**
   * Lets a running pass finish, then frees the model: onnxruntime aborts the process if it exits with
   * a session still open on the worker thread.
   */
  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    this.droppedBodies.cancel();
    while (this.inFlight) await this.inFlight;
    await this.runtime.tft?.close?.();
  }

  /**
   * One forecast pass; returns the number of servers re-forecast. Calls during a pass share one
   * follow-up pass, which starts when it ends and so sees everything written meanwhile: during a large
   * fill every closed step asks for a pass, and one pass per call would queue dozens of them (and a
   * body each) that went on long after the fill.
   */
  pass(): Promise<number> {
    if (this.followUp) return this.followUp;
    if (!this.inFlight) return this.startPass();
    const current = this.inFlight;
    this.followUp = current.then(() => {
      this.followUp = null;
      return this.startPass();
    });
    return this.followUp;
  }

  private async startPass(): Promise<number> {
    if (this.closed) return 0;
    const pass = this.computePass();
    this.inFlight = pass;
    try {
      return await pass;
    } finally {
      if (this.inFlight === pass) this.inFlight = null;
    }
  }

  private async computePass(): Promise<number> {
    const started = performance.now();
    try {
      let refreshed = 0;
      const jobs: Record<
        ModelKind,
        {
          request: ForecastRequest;
          entry: ServerEntry;
          stamp: ForecastStamp;
          open: StepSeries;
        }[]
      > = {
        TFT: [],
        heuristic: [],
      };
      let work = 0;
      let wentStale = 0;
      const dataNow = this.dataNow();
      for (const entry of this.windows.all()) {
        if (++work % SERVERS_PER_SLICE === 0) await yieldToEventLoop();
        if (this.windows.isStale(entry)) {
          // a server that stopped reporting leaves the body, the fleet figures and the alerts
          if (this.cache.delete(entry.name)) {
            this.alerts.resolveServer(entry.name, dataNow);
            wentStale++;
          }
          continue;
        }
        const warm = this.warmup.of(entry.window).is_warmed_up;
        const stamp: ForecastStamp = warm
          ? { model: 'TFT', version: entry.window.version }
          : { model: 'heuristic', version: entry.window.changes };
        const cached = this.cache.get(entry.name);
        if (cached && sameStamp(cached.stamp, stamp)) {
          if (cached.changes !== entry.window.changes && this.refreshCurrent(cached, entry)) refreshed++;
          continue;
        }
        const open = entry.window.series(true);
        const closed = warm ? entry.window.series(false) : null;
        if (!open) continue;
        const request = {
          server: entry.name,
          series: closed ?? open,
          profileIndex: this.runtime.profileIndex(entry.name, entry.profile),
        };
        jobs[warm && closed ? 'TFT' : 'heuristic'].push({
          request,
          entry,
          stamp,
          open,
        });
      }
      const updated: ServerForecastInput[] = [];
      for (const kind of ['TFT', 'heuristic'] as const) {
        if (!jobs[kind].length) continue;
        const provider = kind === 'TFT' && this.runtime.tft ? this.runtime.tft : this.runtime.heuristic;
        const results = await provider.forecast(jobs[kind].map((j) => j.request));
        for (const [i, { request, entry, stamp, open }] of jobs[kind].entries()) {
          if (++work % SERVERS_PER_SLICE === 0) await yieldToEventLoop();
          const origin = request.series.t0 + (request.series.length - 1) * request.series.stepSeconds;
          const input: ServerForecastInput = {
            server: request.server,
            profile: entry.profile,
            model: kind,
            origin,
            at: entry.lastSample,
            quantiles: results[i].quantiles,
            // the TFT's servers also get the recent trend, for the alerts' trend guard
            trend: kind === 'TFT' ? heuristicForecast(open, this.runtime.grid.horizon) : undefined,
          };
          const thresholds = this.alerts.thresholds(entry.profile);
          const risk = serverIncidentRisk(input.quantiles, thresholds, this.runtime.grid.stepSeconds);
          const { forecast, p50Last } = this.forecastJson(input, results[i].drivers, entry.window.latestMeans() ?? NOTHING_RECEIVED, risk);
          this.cache.set(request.server, {
            model: kind,
            stamp,
            risk,
            changes: entry.window.changes,
            key: this.cache.get(request.server)?.key ?? Buffer.from(`${JSON.stringify(request.server)}:`),
            forecast,
            p50Last,
            highlights: forecastHighlights(input.quantiles, thresholds, origin, this.runtime.grid.stepSeconds),
          });
          updated.push(input);
        }
      }
      if (updated.length) this.alerts.update(updated, this.runtime.grid.stepSeconds);
      if (updated.length || refreshed || wentStale || this.passCount === 0) this.serialise();
      this.passCount++;
      this.lastPassMs = performance.now() - started;
      if (updated.length || wentStale) this.forecastGeneration++;
      if (updated.length) {
        this.newestForecastAt = this.clock.now();
        this.metrics.passDuration.observe(this.lastPassMs / 1000);
      }
      return updated.length;
    } catch (err) {
      this.logger.error(`forecast pass failed: ${(err as Error).message}`);
      return 0;
    }
  }

  /** Data time (epoch s): the newest sample's time, or the wall clock before any data. */
  private dataNow(): number {
    return this.windows.dataTime() ?? Math.floor(this.clock.now() / 1000);
  }

  /** Drops retired servers' forecasts and alerts; the next pass rebuilds the bodies. */
  forgetServers(names: readonly string[]): void {
    for (const name of names) {
      this.cache.delete(name);
      this.alerts.forget(name);
    }
    if (names.length) {
      this.forecastGeneration++;
      this.serialise();
    }
  }

  /** Updates `current` and `trend` from the open step without re-running the model. */
  private refreshCurrent(cached: CachedForecast, entry: ServerEntry): boolean {
    cached.changes = entry.window.changes;
    const newest = entry.window.latestMeans();
    if (!newest) return false;
    cached.forecast.setLive(this.liveNumbers(cached.p50Last, newest));
    return true;
  }

  /**
   * The live numbers of ForecastJson, per metric: `current` = the latest step's mean that has the
   * metric (NaN, sent as null, for one never received) and `trend` = (p50 at the horizon - current) per hour.
   */
  private liveNumbers(p50Last: Float64Array, newest: ArrayLike<number>): Float64Array {
    const { horizon, stepSeconds } = this.runtime.grid;
    const hours = (horizon * stepSeconds) / 3600;
    const live = new Float64Array(LIVE_NUMBERS);
    for (let m = 0; m < METRICS.length; m++) {
      live[2 * m] = round3(newest[m]);
      live[2 * m + 1] = round3((p50Last[m] - live[2 * m]) / hours);
    }
    return live;
  }

  private forecastJson(
    input: ServerForecastInput,
    drivers: Drivers | null,
    latest: ArrayLike<number>,
    risk: ServerIncidentRisk,
  ): { forecast: ForecastJson; p50Last: Float64Array } {
    const p50Last = new Float64Array(METRICS.length);
    const metrics = METRICS.map((metric, m) => {
      const q = input.quantiles[metric];
      const p50 = q.p50.map(round2);
      p50Last[m] = p50[p50.length - 1];
      return {
        p10: q.p10.map(round2),
        p50,
        p90: q.p90.map(round2),
        current: 0,
        trend: 0,
      };
    });
    const live = this.liveNumbers(p50Last, latest);
    metrics.forEach((metric, m) => {
      metric.current = live[2 * m];
      metric.trend = live[2 * m + 1];
    });
    const rest: Omit<ServerPrediction, MetricName> = {
      model: input.model as ModelKind,
      profile: input.profile,
      forecast_origin: isoSeconds(input.origin),
      drivers,
      risk: roundRisk(risk),
    };
    return { forecast: ForecastJson.build(metrics, rest), p50Last };
  }

  /** Builds the predictions body (and has the alerts body rebuilt) once per pass. */
  private serialise(): void {
    const rt = this.runtime;
    const now = isoSeconds(this.dataNow());
    const { alerts, json: alertsJson } = this.alerts.publish(now);
    const fleet = fleetIncidentRisk([...this.cache.values()].map((c) => c.risk));
    const critical = alerts.some((a) => a.severity === 'critical');
    const environment = {
      ...fleet,
      total_servers: this.cache.size,
      fleet_health: critical ? 'critical' : alerts.length || fleet.high_risk_servers ? 'degraded' : 'healthy',
    };
    const counts = { TFT: 0, heuristic: 0 };
    for (const c of this.cache.values()) counts[c.model]++;
    const metadata = {
      model_type: rt.tft ? 'TFT' : 'heuristic',
      model_dir: rt.modelDir,
      model_version: rt.modelVersion,
      prediction_time: now,
      horizon_steps: rt.grid.horizon,
      step_seconds: rt.grid.stepSeconds,
      device: rt.device.device,
      inference_profile: rt.device.profile,
      servers_tft: counts.TFT,
      servers_heuristic: counts.heuristic,
    };
    // joined from the per-server fragments: the same JSON as stringifying the whole object, without
    // re-serialising thousands of unchanged forecasts or building one huge string; each forecast is
    // then a view into the body (no second copy), and the previous body is referenced no more
    const head = Buffer.from('{"predictions":{');
    const tail = Buffer.from(
      `},"alerts":${alertsJson},"environment":${JSON.stringify(environment)},"metadata":${JSON.stringify(metadata)}}`,
    );
    let length = head.length + tail.length + Math.max(0, this.cache.size - 1);
    for (const c of this.cache.values()) length += c.key.length + c.forecast.nextLength;
    const body = Buffer.allocUnsafe(length);
    let offset = head.copy(body, 0);
    let first = true;
    for (const c of this.cache.values()) {
      if (!first) body[offset++] = 0x2c; // ','
      first = false;
      offset += c.key.copy(body, offset);
      offset = c.forecast.writeTo(body, offset);
    }
    tail.copy(body, offset);
    const dropped = this.predictions?.body.length ?? 0;
    this.predictions = new CachedBody(body);
    if (dropped >= COLLECT_DROPPED_BYTES) this.droppedBodies.request();
  }
}
