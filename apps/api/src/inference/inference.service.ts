import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { CLOCK, METRICS, type Clock } from '@tft/contracts';
import { heuristicForecast, round2, serverIncidentRisk, type StepSeries } from '@tft/forecasting';
import { AlertsService, type Alert, type ServerForecastInput } from '../alerts/alerts.service';
import { ApiMetrics } from '../metrics/api-metrics';
import { ApiEvents } from '../snapshot/api-events';
import { forecastHighlights } from '../snapshot/forecast-highlights';
import type { NewForecast, PassStats } from '../snapshot/forecast-snapshot';
import { WarmupService } from '../warmup/warmup.service';
import { WindowService, type ServerEntry } from '../window/window.service';
import { DeferredCollection, GARBAGE_COLLECTOR, type GarbageCollector } from './garbage-collector';
import { OWNERSHIP, type Ownership } from '../common/ownership';
import { MODEL_RUNTIME, type ForecastRequest, type ModelKind, type ModelRuntime } from '../model/model-provider';

/**
 * The window state a forecast was made from: the closed-steps version for the TFT (it sees closed
 * steps only), every change for the heuristic (it sees the open step too).
 */
interface ForecastStamp {
  model: ModelKind;
  version: number;
  /** The TFT version that made it: a reloaded model forecasts every warm server again. */
  modelVersion: string | null;
}

const sameStamp = (a: ForecastStamp, b: ForecastStamp): boolean =>
  a.model === b.model && a.version === b.version && a.modelVersion === b.modelVersion;

/** What a pass remembers of each server's newest forecast, to tell whether the next pass must redo it. */
interface PassRecord {
  stamp: ForecastStamp;
  /** Window changes `current` was read at: the open step moves it between TFT re-forecasts. */
  changes: number;
}

/**
 * A pass over thousands of servers takes a while, and besides inference it is main-thread work
 * (window series, risk, serialisation), so it hands the event loop back every this many servers and
 * requests keep being answered meanwhile.
 */
const SERVERS_PER_SLICE = 100;
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const NOTHING_RECEIVED = new Float64Array(METRICS.length).fill(Number.NaN);

/** Once passes have re-forecast this many servers since the last collection, their garbage is collected (see v8GarbageCollector). */
const COLLECT_AFTER_SERVERS = 2000;

/**
 * The forecast passes. Each pass re-forecasts only servers whose window changed: warm ones through
 * the TFT in batched calls, the others through the heuristic, drives the alert lifecycles with the
 * results, and publishes what it changed, with the alerts' transitions, as one ForecastSnapshot
 * (ApiEvents), of which every reader is a projection; no read triggers inference.
 */
@Injectable()
export class InferenceService implements OnApplicationShutdown {
  private readonly logger = new Logger('Inference');
  private readonly made = new Map<string, PassRecord>();
  private readonly droppedGarbage: DeferredCollection;
  private reforecastSinceCollection = 0;
  private inFlight: Promise<number> | null = null;
  private followUp: Promise<number> | null = null;
  private passRequested = false;
  private closed = false;
  private stats: PassStats = { count: 0, lastMs: 0, newestForecastAt: null, lastCollectionMs: null };

  constructor(
    @Inject(MODEL_RUNTIME) private readonly runtime: ModelRuntime,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(GARBAGE_COLLECTOR) collector: GarbageCollector,
    private readonly windows: WindowService,
    private readonly warmup: WarmupService,
    private readonly alerts: AlertsService,
    private readonly metrics: ApiMetrics,
    private readonly events: ApiEvents,
    @Inject(OWNERSHIP) private readonly ownership: Ownership,
  ) {
    this.droppedGarbage = new DeferredCollection(collector, 1000);
    // a closed step is forecast at once, without waiting for the interval
    events.on('window.steps-closed', () => this.requestPass());
    // retired servers (idle, or making room under MAX_SERVERS) leave the forecasts and the alerts
    events.on('window.retired', (names) => this.forget(names));
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

  /** Resolves once no pass is running: what the passes under way had to say is published. */
  async settled(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  /**
   * Lets a running pass finish, then frees the model: onnxruntime aborts the process if it exits with
   * a session still open on the worker thread.
   */
  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    this.droppedGarbage.cancel();
    await this.settled();
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
      let stale = 0;
      const dataNow = this.dataNow();
      // the model as of the pass's start: a reload meanwhile takes effect from the next pass
      const { tft, alertRule, modelVersion, profileIndex } = this.runtime;
      // What the pass changes reaches the store, the alerts and the other replicas together at its end:
      // a publish while it yields (another replica's entries arriving) must not share a forecast
      // without the alert state that goes with it.
      const leaving: string[] = [];
      const fresh: NewForecast[] = [];
      const latest = new Map<string, ArrayLike<number>>();
      for (const entry of this.windows.all()) {
        if (++work % SERVERS_PER_SLICE === 0) await yieldToEventLoop();
        if (!this.ownership.forecasts(entry.name)) continue;
        if (this.windows.isStale(entry)) {
          // a server that stopped reporting leaves the forecasts, the fleet figures and the alerts
          stale++;
          if (this.made.delete(entry.name)) leaving.push(entry.name);
          continue;
        }
        const warm = this.warmup.of(entry.window).is_warmed_up;
        const stamp: ForecastStamp = warm
          ? { model: 'TFT', version: entry.window.version, modelVersion }
          : { model: 'heuristic', version: entry.window.changes, modelVersion: null };
        const made = this.made.get(entry.name);
        if (made && sameStamp(made.stamp, stamp)) {
          if (made.changes !== entry.window.changes) {
            // the open step moved: the newest means, without running the model again
            made.changes = entry.window.changes;
            const newest = entry.window.latestMeans();
            if (newest) latest.set(entry.name, newest);
          }
          continue;
        }
        const open = entry.window.series(true);
        const closed = warm ? entry.window.series(false) : null;
        if (!open) continue;
        const request = {
          server: entry.name,
          series: closed ?? open,
          profileIndex: profileIndex(entry.name, entry.profile),
        };
        jobs[warm && closed ? 'TFT' : 'heuristic'].push({
          request,
          entry,
          stamp,
          open,
        });
      }
      // Cluster mode: a partition given away while the model ran is its next owner's now. What this pass
      // made of its servers goes nowhere: alert state or a forecast entry from here would overwrite the
      // final hand-off its next owner goes on from, and that one would page again.
      const stillOurs = (server: string) => this.ownership.forecasts(server);
      const updated: ServerForecastInput[] = [];
      const tftRequests = new Map<string, ForecastRequest>();
      for (const kind of ['TFT', 'heuristic'] as const) {
        if (!jobs[kind].length) continue;
        const provider = kind === 'TFT' && tft ? tft : this.runtime.heuristic;
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
            rule: kind === 'TFT' ? alertRule : null,
          };
          const thresholds = this.alerts.thresholds(entry.profile);
          const { horizon, stepSeconds } = this.runtime.grid;
          const { is_warmed_up, progress_percent } = this.warmup.of(entry.window);
          fresh.push({
            server: request.server,
            profile: entry.profile,
            model: kind,
            modelVersion: provider.kind === 'TFT' ? modelVersion : null,
            origin,
            quantiles: input.quantiles,
            drivers: results[i].drivers,
            risk: serverIncidentRisk(input.quantiles, thresholds, stepSeconds),
            highlights: forecastHighlights(input.quantiles, thresholds, origin, stepSeconds),
            warmup: { is_warmed_up, progress_percent },
            latest: entry.window.latestMeans() ?? NOTHING_RECEIVED,
            horizonHours: (horizon * stepSeconds) / 3600,
          });
          if (stillOurs(request.server)) this.made.set(request.server, { stamp, changes: entry.window.changes });
          if (kind === 'TFT' && provider.kind === 'TFT') tftRequests.set(request.server, request);
          updated.push(input);
        }
      }
      for (const name of leaving) if (stillOurs(name)) this.alerts.resolveServer(name, dataNow);
      const ours = updated.filter((u) => stillOurs(u.server));
      if (ours.length) await this.nameDrivers(this.alerts.update(ours, this.runtime.grid.stepSeconds), tftRequests, tft);
      this.reforecastSinceCollection += updated.length;
      if (this.reforecastSinceCollection >= COLLECT_AFTER_SERVERS) {
        this.reforecastSinceCollection = 0;
        this.droppedGarbage.request();
      }
      const lastMs = performance.now() - started;
      this.stats = {
        count: this.stats.count + 1,
        lastMs,
        newestForecastAt: updated.length ? this.clock.now() : this.stats.newestForecastAt,
        lastCollectionMs: this.droppedGarbage.lastMs,
      };
      if (updated.length) this.metrics.passDuration.observe(lastMs / 1000);
      this.events.emit('forecast.snapshot', {
        dataTime: dataNow,
        forecasts: fresh.filter((f) => stillOurs(f.server)),
        removed: leaving.filter(stillOurs),
        latest,
        staleServers: stale,
        alerts: this.alerts.take(),
        pass: this.stats,
      });
      return updated.length;
    } catch (err) {
      this.logger.error(`forecast pass failed: ${(err as Error).message}`);
      return 0;
    }
  }

  /**
   * A raised alert says what drives its metric's forecast, so the page says why: the top input group of
   * an ablation of the same request (one onnxruntime call per alerting server). Alerts fire rarely; a
   * failure leaves the alert without a driver rather than holding it back.
   */
  private async nameDrivers(
    raised: readonly Alert[],
    requests: ReadonlyMap<string, ForecastRequest>,
    tft: ModelRuntime['tft'],
  ): Promise<void> {
    if (!tft?.attribute) return;
    const byServer = new Map<string, Alert[]>();
    for (const a of raised) if (requests.has(a.server)) byServer.set(a.server, [...(byServer.get(a.server) ?? []), a]);
    for (const [server, alerts] of byServer) {
      try {
        const attributions = await tft.attribute(requests.get(server)!);
        for (const a of alerts) {
          const [top] = attributions[a.metric];
          if (top && top.change > 0) this.alerts.annotate(a, { input: top.input, label: top.label, change: round2(top.change) });
        }
      } catch (err) {
        this.logger.warn(`no drivers for ${server}'s alerts: ${(err as Error).message}`);
      }
    }
  }

  /** Data time (epoch s): the newest sample's time, or the wall clock before any data. */
  private dataNow(): number {
    return this.windows.dataTime() ?? Math.floor(this.clock.now() / 1000);
  }

  /** Drops retired servers' forecasts and alerts, and publishes that at once. */
  private forget(names: readonly string[]): void {
    if (!names.length) return;
    for (const name of names) {
      this.made.delete(name);
      this.alerts.forget(name);
    }
    this.events.emit('forecast.snapshot', {
      dataTime: this.dataNow(),
      forecasts: [],
      removed: names,
      latest: new Map(),
      staleServers: this.windows.staleCount(),
      alerts: this.alerts.take(),
      pass: this.stats,
    });
  }

  /**
   * Stops forecasting servers another replica owns now (cluster mode). Their forecasts stay readable
   * until the new owner's replace them; their alerts go on there (AlertsService.release: no resolve here).
   */
  release(names: readonly string[]): void {
    for (const name of names) {
      this.made.delete(name);
      this.alerts.release(name);
    }
  }
}
