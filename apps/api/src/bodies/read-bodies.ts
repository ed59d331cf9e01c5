import { Inject, Injectable } from '@nestjs/common';
import { METRICS } from '@tft/contracts';
import { isoSeconds } from '@tft/forecasting';
import type { Alert } from '../alerts/alerts.service';
import { CachedBody } from '../common/cached-body';
import { MODEL_RUNTIME, type ModelRuntime } from '../model/model-provider';
import { ForecastStore } from '../read-model/forecast-store';
import { pageOf, sortEntries, type SummaryEntry, type SummaryFilter, type SummarySort, type WorstAlert } from './fleet-summary';
import type { ServerForecast } from '../read-model/server-forecast';
import { ApiEvents } from '../snapshot/api-events';

/** GET /predictions/current narrowed: by server names, metrics (METRICS indexes), and a page in name order. */
export interface PredictionsQuery {
  servers?: readonly string[];
  metrics?: readonly number[];
  limit?: number;
  cursor?: string;
}

export interface SummaryQuery extends SummaryFilter {
  sort: SummarySort;
  limit?: number;
  cursor?: string;
}

/** Bodies of narrowed queries kept per published state; a console polling one page hits this. */
const QUERY_BODIES_KEPT = 64;

const worstOf = (a: WorstAlert, b: Alert): boolean =>
  a.severity !== b.severity ? b.severity === 'critical' : b.minutes_ahead < a.minutes_ahead;

/**
 * The HTTP bodies of the read model (GET /predictions/current, /fleet/summary, /servers/{name}/forecast,
 * /alerts/active): a projection built when first asked for after a publish and then served as-is
 * (ETag, gzip) until the next ('fleet.published' says which servers to rebuild).
 */
@Injectable()
export class ReadBodies {
  /** The summary row of each server, as JSON too. */
  private readonly entries = new Map<string, SummaryEntry>();
  private fullBody: CachedBody | null = null;
  private readonly queryBodies = new Map<string, CachedBody>();
  private readonly sorted = new Map<SummarySort, SummaryEntry[]>();
  private readonly serverBodies = new Map<string, CachedBody>();
  private activeAlerts: { of: readonly Alert[]; body: CachedBody } | null = null;

  constructor(
    private readonly store: ForecastStore,
    @Inject(MODEL_RUNTIME) private readonly runtime: ModelRuntime,
    events: ApiEvents,
  ) {
    events.on('fleet.published', ({ changed, removed, moved }) => {
      // what readers got of these servers is out of date: rebuilt on the next read
      for (const server of [...changed, ...removed, ...moved]) {
        this.entries.delete(server);
        this.serverBodies.delete(server);
      }
      this.fullBody = null;
      this.queryBodies.clear();
      this.sorted.clear();
    });
  }

  /** GET /predictions/current, whole or narrowed. */
  predictions(query: PredictionsQuery = {}): CachedBody {
    const whole = !query.servers && !query.metrics && query.limit === undefined && query.cursor === undefined;
    if (whole) return (this.fullBody ??= this.buildPredictions(query));
    return this.cachedQuery(`p${JSON.stringify(query)}`, () => this.buildPredictions(query));
  }

  /** GET /fleet/summary. */
  summary(query: SummaryQuery): CachedBody {
    return this.cachedQuery(`s${JSON.stringify(query, (_, v: unknown) => (v instanceof Set ? [...v].sort() : v))}`, () =>
      this.buildSummary(query),
    );
  }

  /** GET /servers/{name}/forecast: one server's forecast with its own ETag. */
  serverBody(server: string): CachedBody | null {
    const f = this.store.forecast(server);
    if (!f) return null;
    let body = this.serverBodies.get(server);
    if (!body) {
      body = new CachedBody(f.json());
      this.serverBodies.set(server, body);
    }
    return body;
  }

  /** One server's forecast (the ServerPrediction JSON) from its own bytes; null before its first forecast. */
  forecastJson(server: string): Buffer | null {
    return this.store.forecast(server)?.json() ?? null;
  }

  /** GET /alerts/active: the alerts firing as of the last publish, the whole fleet's in cluster mode. */
  activeAlertsBody(): CachedBody {
    const { alerts, at } = this.store.firingAlerts();
    if (this.activeAlerts?.of !== alerts) {
      const timestamp = at === null ? null : isoSeconds(at);
      const body = `{"timestamp":${JSON.stringify(timestamp)},"count":${alerts.length},"alerts":${JSON.stringify(alerts)}}`;
      this.activeAlerts = { of: alerts, body: new CachedBody(body) };
    }
    return this.activeAlerts.body;
  }

  private cachedQuery(key: string, build: () => CachedBody): CachedBody {
    let body = this.queryBodies.get(key);
    if (!body) {
      if (this.queryBodies.size >= QUERY_BODIES_KEPT) this.queryBodies.delete(this.queryBodies.keys().next().value as string);
      body = build();
      this.queryBodies.set(key, body);
    }
    return body;
  }

  private sortedBy(sort: SummarySort): SummaryEntry[] {
    let list = this.sorted.get(sort);
    if (!list) {
      list = sortEntries(this.entriesNow(), sort);
      this.sorted.set(sort, list);
    }
    return list;
  }

  /** Every server's summary row, the changed ones rebuilt. */
  private *entriesNow(): IterableIterator<SummaryEntry> {
    for (const f of this.store.all()) {
      let entry = this.entries.get(f.server);
      if (!entry) this.entries.set(f.server, (entry = this.entryOf(f)));
      yield entry;
    }
  }

  private entryOf(f: ServerForecast): SummaryEntry {
    let alert: WorstAlert | null = null;
    for (const a of this.store.alertsOf(f.server)) {
      if (!alert || worstOf(alert, a)) alert = { severity: a.severity, metric: a.metric, minutes_ahead: a.minutes_ahead };
    }
    const current = Object.fromEntries(METRICS.map((m, i) => [m, Number.isFinite(f.current[i]) ? f.current[i] : null]));
    return {
      name: f.server,
      profile: f.profile,
      model: f.model,
      probability_30m: f.risk.probability_30m,
      probability_8h: f.risk.probability_8h,
      current: f.current,
      alert,
      json: JSON.stringify({
        name: f.server,
        profile: f.profile,
        model: f.model,
        warmup: f.warmup,
        current,
        risk: {
          probability_30m: Math.round(f.risk.probability_30m * 1e4) / 1e4,
          probability_8h: Math.round(f.risk.probability_8h * 1e4) / 1e4,
          driver: f.risk.driver,
        },
        alert,
        forecast_origin: isoSeconds(f.origin),
      }),
    };
  }

  private buildSummary(q: SummaryQuery): CachedBody {
    const { items, matching, next } = pageOf(this.sortedBy(q.sort), q.sort, q, q.limit ?? Number.MAX_SAFE_INTEGER, q.cursor);
    const { predictionTime, counts, environment } = this.store.fleet();
    const head = JSON.stringify({
      prediction_time: predictionTime,
      fleet: counts,
      environment,
      matching,
      next_cursor: next,
    });
    return new CachedBody(`${head.slice(0, -1)},"servers":[${items.map((e) => e.json).join(',')}]}`);
  }

  private buildPredictions(q: PredictionsQuery): CachedBody {
    const names = q.servers ? new Set(q.servers) : undefined;
    const metricNames = q.metrics ? new Set(q.metrics.map((m) => METRICS[m])) : undefined;
    let selected: ServerForecast[];
    let next: string | null = null;
    if (q.limit !== undefined || q.cursor !== undefined) {
      const page = pageOf(this.sortedBy('name'), 'name', { names }, q.limit ?? Number.MAX_SAFE_INTEGER, q.cursor);
      selected = page.items.map((e) => this.store.forecast(e.name) as ServerForecast);
      next = page.next;
    } else {
      selected = [...this.store.all()].filter((f) => !names || names.has(f.server));
    }
    const parts: Buffer[] = [Buffer.from('{"predictions":{')];
    selected.forEach((f, i) => {
      parts.push(Buffer.from(`${i ? ',' : ''}${JSON.stringify(f.server)}:`), f.json(q.metrics));
    });
    const { alerts } = this.store.firingAlerts();
    const shownAlerts =
      names || metricNames ? alerts.filter((a) => (!names || names.has(a.server)) && (!metricNames || metricNames.has(a.metric))) : alerts;
    const paging = q.limit !== undefined || q.cursor !== undefined ? `,"next_cursor":${JSON.stringify(next)}` : '';
    const { environment } = this.store.fleet();
    parts.push(
      Buffer.from(
        `},"alerts":${JSON.stringify(shownAlerts)},"environment":${JSON.stringify(environment)},"metadata":${JSON.stringify(this.metadata())}${paging}}`,
      ),
    );
    return new CachedBody(Buffer.concat(parts));
  }

  private metadata() {
    const rt = this.runtime;
    const { predictionTime, counts } = this.store.fleet();
    return {
      model_type: rt.tft ? 'TFT' : 'heuristic',
      model_dir: rt.modelDir,
      model_version: rt.modelVersion,
      prediction_time: predictionTime,
      horizon_steps: rt.grid.horizon,
      step_seconds: rt.grid.stepSeconds,
      device: rt.device.device,
      inference_profile: rt.device.profile,
      servers_tft: counts.servers_tft,
      servers_heuristic: counts.servers_heuristic,
    };
  }
}
