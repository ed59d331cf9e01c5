import { CLOCK, type Clock } from '@tft/contracts';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import { isoSeconds, round2, type MetricForecasts } from '@tft/forecasting';
import { AlertDeliveryService, type SentState } from '../alert-delivery/alert-delivery.service';
import { AlertsService, type Alert, type ServerAlertState } from '../alerts/alerts.service';
import { MODEL_RUNTIME, type ModelRuntime } from '../model/model-provider';
import { alertChanges } from '../snapshot/alert';
import { forecastHighlights } from '../snapshot/forecast-highlights';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { ForecastStore } from '../read-model/forecast-store';
import { ApiEvents } from '../snapshot/api-events';
import type { NewForecast } from '../snapshot/forecast-snapshot';
import { WarmupService } from '../warmup/warmup.service';
import { WindowService } from '../window/window.service';
import { PartitionOwnership } from './partition-ownership';
import { ShareLedger } from './share-ledger';

/** The JetStream KV bucket of cluster mode that holds every server's newest forecast, written by its owner. */
export const FORECASTS_BUCKET = 'TFT_FORECASTS';
export const FORECASTS_KV = Symbol('FORECASTS_KV');

/** KV keys allow fewer characters than server names do: the name travels base64url-encoded. */
const keyOf = (server: string): string => `f.${Buffer.from(server, 'utf8').toString('base64url')}`;
/** A server's alert state as its owner left it when it gave the partition away: the final word for the next owner. */
const handOffKeyOf = (server: string): string => `h.${Buffer.from(server, 'utf8').toString('base64url')}`;
const serverOfKey = (key: string): string => Buffer.from(key.slice(2), 'base64url').toString('utf8');

/** A server's window as its owner reports it in /status. */
export interface RemoteServerStatus {
  server_name: string;
  buckets: number;
  warmup_steps: number;
  is_warmed_up: boolean;
  progress_percent: number;
  model: NewForecast['model'];
  last_sample_at: string | null;
  owner: string;
}

/** What a replica that takes a server over goes on with: its alerts' lifecycles and how each was sent so far. */
interface AlertHandOver {
  state: ServerAlertState;
  notified: Record<string, SentState>;
}

/** One server's entry in the bucket. */
interface ExchangedForecast {
  owner: string;
  forecast: WireForecast;
  /** Its firing alerts, for every replica's readers. */
  alerts: Alert[];
  /** Its alert state (its recently resolved alerts too, which every replica's GET /alerts/resolved lists). */
  handOver: AlertHandOver;
  status: RemoteServerStatus;
}

/** A NewForecast as the bucket holds it: no highlights (the reader derives them), NaN as null. */
type WireForecast = Omit<NewForecast, 'highlights' | 'latest'> & { highlights?: undefined; latest: (number | null)[] };

/** Quantiles at the precision readers get them anyway (ServerForecast rounds to 2 decimals), a third of the bytes. */
const rounded = (q: MetricForecasts): MetricForecasts =>
  Object.fromEntries(
    Object.entries(q).map(([metric, { p10, p50, p90 }]) => [metric, { p10: p10.map(round2), p50: p50.map(round2), p90: p90.map(round2) }]),
  ) as MetricForecasts;

const toWire = (f: NewForecast): WireForecast => ({
  ...f,
  highlights: undefined, // JSON leaves it out
  quantiles: rounded(f.quantiles),
  latest: Array.from(f.latest, (v) => (Number.isFinite(v) ? v : null)),
});

/** Entries applied together: a pass of another replica arrives as a burst of puts, published as one. */
const PUBLISH_AFTER_MS = 50;

/**
 * Every replica answers reads for the whole fleet: each owner puts the forecasts (with the server's
 * firing alerts) its passes make into a KV bucket, and every replica watches the bucket and folds the
 * other owners' entries into its own ForecastStore. A partition that changes owner keeps its last
 * forecasts readable until the new owner's replace them.
 */
@Injectable()
export class ForecastExchange {
  private readonly logger = new Logger('Cluster');
  private publishTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private remoteDataTime = Number.NEGATIVE_INFINITY;
  private readonly remoteStatus = new Map<string, RemoteServerStatus>();
  /** Per server another replica owns: its alert state as last published, for taking it over. */
  private readonly remoteHandOver = new Map<string, AlertHandOver>();
  /** Per server another replica owns: its firing alerts as the read model has them, what the next entry's move from. */
  private readonly remoteFiring = new Map<string, readonly Alert[]>();
  /** Servers whose previous owner left a final hand-off entry (deleted once taken over). */
  private readonly handOffEntries = new Set<string>();
  private markInitialized: () => void = () => undefined;
  /**
   * Resolves once the watch delivered every entry the bucket held when it started: a partition is
   * adopted only after that, or its servers' alert state would not be here yet (a replica that just
   * started and replays a small partition quickly would page again for alerts already firing).
   */
  readonly initialized = new Promise<void>((resolve) => (this.markInitialized = resolve));
  /** The bucket revision of the last entry the watch handled. */
  private watchedRevision = 0;
  /** Wall-clock ms the last entry of another replica arrived; null before any. */
  lastArrivalAt: number | null = null;
  private readonly ledger = new ShareLedger<NewForecast>();

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(FORECASTS_KV) private readonly kv: KV,
    @Inject(PartitionOwnership) private readonly ownership: PartitionOwnership,
    private readonly store: ForecastStore,
    private readonly windows: WindowService,
    private readonly warmup: WarmupService,
    private readonly alerts: AlertsService,
    private readonly delivery: AlertDeliveryService,
    @Inject(MODEL_RUNTIME) private readonly runtime: ModelRuntime,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly events: ApiEvents,
  ) {}

  /** The /status rows of the servers other replicas own, as their owners last published them. */
  remoteServers(): IterableIterator<RemoteServerStatus> {
    return this.remoteStatus.values();
  }

  start(): void {
    // this replica's own forecasts and removals, as each pass (or retirement) published them; the read
    // model has applied the snapshot by then (it subscribed first), so the alerts sent with them are current
    this.events.on('forecast.snapshot', (s) => void this.send(new Map(s.forecasts.map((f) => [f.server, f])), s.removed));
    void this.watch();
  }

  stop(): void {
    this.stopped = true;
    if (this.publishTimer) clearTimeout(this.publishTimer);
  }

  /**
   * Servers this replica no longer owns: their forecasts stay, their alerts become the bucket's. Their
   * alert state as of now is kept too (call this before the alerts are released): if a partition comes
   * back to this replica before another owner wrote its entries (a NATS outage longer than LEASE_TTL),
   * it goes on from there rather than paging again.
   */
  handOver(servers: readonly string[]): void {
    for (const server of servers) {
      this.remoteHandOver.set(server, this.handOverOf(server));
      this.remoteFiring.set(server, this.store.alertsOf(server));
      this.store.handOver(server);
    }
    this.schedulePublish();
  }

  /**
   * Resolves once the watch has handled every entry the bucket held when this was called: a partition's
   * previous owner stored its final alert state before releasing the lease, and under load the watch
   * runs seconds behind the bucket. It waits as long as the watch moves on (a partition adopted from a
   * lagging watch starts its alerts afresh and pages again for what was already notified) and gives up
   * only when the watch has not moved for `stallMs` (NATS away, the watch restarting).
   */
  async caughtUp(stallMs: number): Promise<void> {
    let head: number;
    try {
      head = (await this.kv.status()).streamInfo.state.last_seq;
    } catch {
      return; // NATS away: go on with what the watch has
    }
    const started = this.clock.now();
    let seen = this.watchedRevision;
    let movedAt = started;
    while (this.watchedRevision < head && !this.stopped) {
      await new Promise((r) => setTimeout(r, 50));
      if (this.watchedRevision !== seen) {
        seen = this.watchedRevision;
        movedAt = this.clock.now();
      } else if (this.clock.now() - movedAt > stallMs) {
        this.logger.warn(
          `the ${FORECASTS_BUCKET} watch stalled ${head - this.watchedRevision} entries behind; adopting from what it has (alerts may be notified again)`,
        );
        return;
      }
    }
    if (this.clock.now() - started > stallMs)
      this.logger.log(`the ${FORECASTS_BUCKET} watch took ${Math.round((this.clock.now() - started) / 1000)} s to catch up`);
  }

  /**
   * Before this replica gives partitions away (it stopped forecasting them): the alert state of their
   * servers as it is now, stored before the lease is released, so the next owner goes on from exactly
   * what was sent, not from a forecast entry that may lag behind under load.
   */
  async finalHandOff(partitions: readonly number[]): Promise<void> {
    const giving = new Set(partitions);
    const writes: Promise<unknown>[] = [];
    for (const { name } of this.windows.all()) {
      if (!giving.has(this.ownership.partitionOf(name))) continue;
      const handOver = this.handOverOf(name);
      const { lifecycle, firing, resolved } = handOver.state;
      if (Object.keys(lifecycle).length || firing.length || resolved.length)
        writes.push(this.kv.put(handOffKeyOf(name), JSON.stringify(handOver)));
    }
    const failed = (await Promise.allSettled(writes)).filter((r) => r.status === 'rejected').length;
    if (failed)
      this.logger.warn(
        `${failed} alert states not handed off before giving partitions ${partitions.join(', ')} away; their next owner goes on from the forecast entries`,
      );
  }

  private handOverOf(server: string): AlertHandOver {
    const state = this.alerts.stateOf(server);
    const notified: Record<string, SentState> = {};
    for (const alert of state.firing) {
      const sent = this.delivery.sentState(alert.id);
      if (sent) notified[alert.id] = sent;
    }
    return { state, notified };
  }

  /**
   * A partition this replica now forecasts: its alerts go on here from the state their previous owner
   * published (same id, first_seen and startsAt, nothing resolved), and its own lifecycle moves them on.
   * Returns how many firing alerts it went on with.
   */
  adopt(partition: number): number {
    const servers = new Set([...this.remoteHandOver.keys(), ...this.remoteStatus.keys(), ...[...this.store.servers()].map((s) => s.name)]);
    let firing = 0;
    for (const name of servers) {
      if (this.ownership.partitionOf(name) !== partition) continue;
      const handOver = this.remoteHandOver.get(name);
      if (handOver) {
        this.alerts.takeOver(name, handOver.state);
        for (const alert of handOver.state.firing) this.delivery.continueFrom(alert, handOver.notified[alert.id]);
        firing += handOver.state.firing.length;
      }
      this.store.adopt(name);
      this.remoteStatus.delete(name);
      this.remoteHandOver.delete(name);
      this.remoteFiring.delete(name);
      if (this.handOffEntries.delete(name)) this.kv.delete(handOffKeyOf(name)).catch(() => undefined); // taken: tidy
    }
    return firing;
  }

  /**
   * Puts a publish's forecasts, with the servers' alert state, into the bucket, and carries again the
   * entries of earlier publishes that did not get there. The webhook notifications of a publish go
   * once its state and all before it are stored: a replica killed right after paging leaves its
   * successor the state that says so.
   */
  /**
   * Shares this replica's forecasts (with their alerts) and removals. Called after every publish, even
   * one with nothing of its own: the webhook notifications of a publish go once its send ends (ShareLedger).
   */
  private async send(own: ReadonlyMap<string, NewForecast>, ownRemoved: readonly string[]): Promise<void> {
    const token = this.delivery.shareToken();
    const forecasts = new Map(own);
    for (const [server, forecast] of forecasts) this.ledger.supersede(server, token, forecast);
    for (const [server, forecast] of this.ledger.pending()) {
      if (!this.ownership.forecasts(server)) this.ledger.forget(server);
      else if (!forecasts.has(server)) forecasts.set(server, forecast);
    }
    this.ledger.begin(token);
    const puts = [...forecasts].map(([server, forecast]) => {
      const entry: ExchangedForecast = {
        owner: this.config.replicaId,
        forecast: toWire(forecast),
        alerts: this.store.alertsOf(server),
        handOver: this.handOverOf(server),
        status: this.statusOf(server, forecast.model),
      };
      return this.kv.put(keyOf(server), JSON.stringify(entry));
    });
    const deletes = ownRemoved.map((server) => this.kv.delete(keyOf(server)));
    const [stored, removed] = await Promise.all([Promise.allSettled(puts), Promise.allSettled(deletes)]);
    const servers = [...forecasts];
    this.ledger.end(
      token,
      stored.map((r, i) => [servers[i][0], servers[i][1], r.status === 'fulfilled'] as [string, NewForecast, boolean]),
    );
    this.delivery.shared(this.ledger.sharedThrough(this.delivery.shareToken()));
    const failed = [...stored, ...removed].filter((r) => r.status === 'rejected');
    if (failed.length) {
      this.logger.warn(
        `${failed.length} forecasts not shared with the other replicas (${(failed[0] as PromiseRejectedResult).reason}); sent again with the next publish, their webhook notifications wait for it`,
      );
    }
  }

  private revive(f: WireForecast): NewForecast {
    const { stepSeconds } = this.runtime.grid;
    return {
      ...f,
      latest: f.latest.map((v) => v ?? Number.NaN),
      highlights: forecastHighlights(f.quantiles, this.alerts.thresholds(f.profile), f.origin, stepSeconds),
    };
  }

  private statusOf(server: string, model: NewForecast['model']): RemoteServerStatus {
    const entry = this.windows.get(server);
    const w = entry ? this.warmup.of(entry.window) : { steps: 0, is_warmed_up: false, progress_percent: 0 };
    return {
      server_name: server,
      buckets: entry?.window.bucketCount() ?? 0,
      warmup_steps: w.steps,
      is_warmed_up: w.is_warmed_up,
      progress_percent: w.progress_percent,
      model,
      last_sample_at: entry && Number.isFinite(entry.lastSample) ? isoSeconds(entry.lastSample) : null,
      owner: this.config.replicaId,
    };
  }

  /** Follows the bucket, restarting the watch if it ends while the replica runs. */
  private async watch(): Promise<void> {
    while (!this.stopped) {
      try {
        if ((await this.kv.status()).values === 0) this.markInitialized();
        const entries = await this.kv.watch({ key: '>' });
        for await (const e of entries) {
          if (this.stopped) break;
          if (e.isUpdate) this.markInitialized(); // the last of the entries held at the start, or a later one
          this.watchedRevision = Math.max(this.watchedRevision, e.revision);
          const server = serverOfKey(e.key);
          if (this.ownership.forecasts(server)) {
            this.remoteStatus.delete(server); // this replica's own, or stale news of it
            this.remoteHandOver.delete(server);
            this.remoteFiring.delete(server);
            continue;
          }
          if (e.key.startsWith('h.')) {
            // newer than the forecast entries before it in the bucket, older than those after it
            if (e.operation === 'PUT') {
              this.remoteHandOver.set(server, e.json<AlertHandOver>());
              this.handOffEntries.add(server);
            } else this.handOffEntries.delete(server);
            continue;
          }
          if (e.operation === 'PUT') {
            const { forecast, alerts, handOver, status } = e.json<ExchangedForecast>();
            this.store.putRemote(
              this.revive(forecast),
              alerts,
              handOver.state.resolved,
              alertChanges(this.remoteFiring.get(server) ?? [], alerts),
            );
            this.remoteFiring.set(server, alerts);
            this.remoteStatus.set(server, status);
            this.remoteHandOver.set(server, handOver);
            this.remoteDataTime = Math.max(this.remoteDataTime, forecast.origin);
          } else {
            this.store.removeRemote(server, alertChanges(this.remoteFiring.get(server) ?? [], []));
            this.remoteStatus.delete(server);
            this.remoteHandOver.delete(server);
            this.remoteFiring.delete(server);
          }
          this.lastArrivalAt = this.clock.now();
          this.schedulePublish();
        }
      } catch (err) {
        if (!this.stopped) this.logger.warn(`watching ${FORECASTS_BUCKET} failed (${(err as Error).message}); retrying`);
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, 1000));
    }
  }

  private schedulePublish(): void {
    if (this.publishTimer) return;
    this.publishTimer = setTimeout(() => {
      this.publishTimer = null;
      const local = this.windows.dataTime() ?? Number.NEGATIVE_INFINITY;
      const dataNow = Math.max(local, this.remoteDataTime);
      this.store.publish(Number.isFinite(dataNow) ? dataNow : Math.floor(this.clock.now() / 1000), this.windows.staleCount());
      void this.send(new Map(), []);
    }, PUBLISH_AFTER_MS);
  }
}
