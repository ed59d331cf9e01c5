import type { OwnerReadKind } from '../common/owner-reads';
import { MODEL_RUNTIME, type ModelRuntime } from '../model/model-provider';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import type { Msg, Subscription } from '@nats-io/nats-core';
import { CLOCK, type Clock } from '@tft/contracts';
import { isoSeconds } from '@tft/forecasting';
import { RetryLaterException } from '../common/retry-later.exception';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import type { ClusterStatusDto } from '../health/dto/status.dto';
import { InferenceService } from '../inference/inference.service';
import { ForecastStore } from '../read-model/forecast-store';
import { WindowService } from '../window/window.service';
import { ClusterConnection } from './cluster-connection';
import { ForecastExchange } from './forecast-exchange';
import { LeaseKeeper } from './lease-keeper';
import { MetricsLog, type Follower } from './metrics-log';
import { PartitionOwnership } from './partition-ownership';
import { HostSeriesIngest } from '../remote-write/host-series-ingest';
import { decodeLogged } from './sample-batch';

export const LEASES_BUCKET = 'TFT_LEASES';
export const LEASES_KV = Symbol('LEASES_KV');

/** Where a replica answers the others' reads of the servers it owns. */
const readSubject = (replica: string): string => `tft.read.${replica}`;
/** An owner's one-byte answer for a server of a partition it does not (or not yet) forecast. */
const NOT_HERE = Uint8Array.of(0x3f);
/** How long a read waits for the owner of a server before answering 503. */
const READ_TIMEOUT_MS = 3000;

/** A read another replica asks of a server's owner. */
interface OwnerReadRequest {
  kind: OwnerReadKind;
  server: string;
  query: string;
}

/**
 * Cluster mode (NATS_URL): this replica's partition leases, renewed every third of LEASE_TTL; for each
 * partition it holds, the windows replayed from the metrics log and then followed live; and the
 * answers other replicas need from an owner (a server's history). Losing a lease (or NATS for longer
 * than the TTL) stops this replica forecasting that partition at once.
 */
@Injectable()
export class ClusterService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Cluster');
  private readonly leases: LeaseKeeper;
  private readonly followers = new Map<number, Follower>();
  private timer: NodeJS.Timeout | null = null;
  private lastRound: number;
  private roundFailed = false;
  private rounding = false;
  private readSubscription: Subscription | null = null;
  /** How this replica answers the others' reads of the servers it owns, by kind. */
  private readonly reads = new Map<OwnerReadKind, (server: string, query: string) => Promise<Buffer | null> | Buffer | null>();

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LEASES_KV) kv: KV,
    @Inject(PartitionOwnership) private readonly ownership: PartitionOwnership,
    private readonly connection: ClusterConnection,
    private readonly log: MetricsLog,
    private readonly windows: WindowService,
    private readonly inference: InferenceService,
    private readonly store: ForecastStore,
    private readonly exchange: ForecastExchange,
    private readonly hostSeries: HostSeriesIngest,
    @Inject(MODEL_RUNTIME) private readonly runtime: ModelRuntime,
  ) {
    this.leases = new LeaseKeeper(kv, clock, {
      self: config.replicaId,
      partitions: config.partitions,
      ttlMs: config.leaseTtlSeconds * 1000,
    });
    this.lastRound = clock.now();
    // a consumer may stall silently across a NATS restart: each follows on from its last batch
    connection.onReconnect(() => {
      for (const f of this.followers.values()) f.resume();
    });
  }

  get replicaId(): string {
    return this.config.replicaId;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.exchange.start();
    this.readSubscription = this.connection.control.subscribe(readSubject(this.config.replicaId), {
      callback: (err, msg) => {
        if (!err) void this.answerRead(msg);
      },
    });
    await this.round();
    this.timer = setInterval(
      () => {
        // a round that outlasts the interval is not joined by another planning from the same old view
        if (!this.rounding) void this.round();
      },
      (this.config.leaseTtlSeconds * 1000) / 3,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.exchange.stop();
    await Promise.all([...this.followers.values()].map((f) => f.stop()));
    this.followers.clear();
    try {
      await this.leases.releaseAll(); // the others take over now rather than after the TTL
    } catch (err) {
      this.logger.warn(`could not release the leases (${(err as Error).message}); they expire after LEASE_TTL`);
    }
    this.readSubscription?.unsubscribe();
    await this.connection.close();
  }

  /** The /status rows of the servers other replicas own. */
  remoteServers() {
    return this.exchange.remoteServers();
  }

  /** Which function answers other replicas' `kind` reads (ServersService: detail, DriversService, TrackRecordService). */
  answer(kind: OwnerReadKind, read: (server: string, query: string) => Promise<Buffer | null> | Buffer | null): void {
    this.reads.set(kind, read);
  }

  /**
   * A server's `kind` body from the replica that owns it; null when the owner knows no such server.
   * While its partition changes hands (a replay, a lease table a round old) it asks again, for up to
   * a lease round, then answers 503.
   */
  async fromOwner(kind: OwnerReadKind, server: string, query = ''): Promise<Buffer | null> {
    const request: OwnerReadRequest = { kind, server, query };
    const p = this.ownership.partitionOf(server);
    const until = this.clock.now() + (this.config.leaseTtlSeconds * 1000) / 3 + 1000;
    let why = '';
    do {
      const owner = this.leases.leases[p]?.owner;
      if (!owner) why = `no replica owns its partition ${p} right now`;
      else if (owner === this.config.replicaId) why = `this replica is still replaying its partition ${p}`;
      else {
        try {
          const reply = await this.connection.control.request(readSubject(owner), JSON.stringify(request), { timeout: READ_TIMEOUT_MS });
          if (reply.data.length === 0) return null;
          if (reply.data.length > 1) return Buffer.from(reply.data);
          why = `replica ${owner} does not hold its partition ${p} (yet)`;
        } catch (err) {
          why = `replica ${owner}, which owns it, did not answer (${(err as Error).message})`;
        }
      }
      await new Promise((r) => setTimeout(r, 250));
    } while (this.clock.now() < until);
    throw new RetryLaterException(`server "${server.slice(0, 128)}": ${why}; retry`);
  }

  /** A read's body; empty: no such server; NOT_HERE: this replica does not forecast that partition now. */
  private async answerRead(msg: Msg): Promise<void> {
    const { kind, server, query } = msg.json<OwnerReadRequest>();
    if (!this.ownership.forecasts(server)) return void msg.respond(NOT_HERE);
    let body: Buffer | null = null;
    try {
      body = (await this.reads.get(kind)?.(server, query)) ?? null;
    } catch (err) {
      this.logger.warn(`answering another replica's ${kind} read of "${server.slice(0, 128)}" failed: ${(err as Error).message}`);
    }
    msg.respond(body ?? new Uint8Array(0));
  }

  status(): ClusterStatusDto {
    const arrived = this.exchange.lastArrivalAt;
    return {
      replica_id: this.config.replicaId,
      answered_by: this.config.replicaId,
      nats: this.connection.connected ? 'connected' : 'reconnecting',
      partitions: this.config.partitions,
      owned_partitions: this.ownership.ownedPartitions(),
      replayed_partitions: this.ownership.readyPartitions(),
      replicas: [...this.leases.replicas]
        .map(([id, info]) => ({
          replica_id: id,
          partitions: Array.isArray(info['partitions']) ? (info['partitions'] as number[]) : [],
          servers: Number(info['servers'] ?? 0),
          stale_servers: Number(info['stale_servers'] ?? 0),
          model_version: typeof info['model_version'] === 'string' ? info['model_version'] : null,
        }))
        .sort((a, b) => a.replica_id.localeCompare(b.replica_id)),
      remote_forecast_age_seconds: arrived === null ? null : Math.round((this.clock.now() - arrived) / 100) / 10,
    };
  }

  /** One lease round, then following exactly the partitions held. */
  private async round(): Promise<void> {
    const dataTime = this.windows.dataTime();
    const started = this.clock.now();
    this.rounding = true;
    try {
      const owned = await this.leases.round(
        {
          partitions: this.ownership.ownedPartitions(),
          servers: this.windows.size,
          stale_servers: this.windows.staleCount(),
          data_time: dataTime === null ? null : isoSeconds(dataTime),
          model_version: this.runtime.modelVersion,
        },
        (giving) => this.handOff(giving),
      );
      const tookMs = this.clock.now() - started;
      if (tookMs > (this.config.leaseTtlSeconds * 1000) / 3) {
        this.logger.warn(`a lease round took ${tookMs} ms, over a third of LEASE_TTL: leases may lapse on this busy machine`);
      }
      this.lastRound = this.clock.now();
      if (this.roundFailed) this.logger.log('lease rounds work again');
      this.roundFailed = false;
      let remoteStale = 0;
      for (const [id, info] of this.leases.replicas) if (id !== this.config.replicaId) remoteStale += Number(info['stale_servers'] ?? 0);
      this.store.setRemoteStale(remoteStale);
      this.follow(owned);
    } catch (err) {
      if (!this.roundFailed) this.logger.warn(`lease round failed: ${(err as Error).message}`);
      this.roundFailed = true;
      // the leases lapse after the TTL; past it another replica may hold them, so stop forecasting them
      if (this.clock.now() - this.lastRound >= this.config.leaseTtlSeconds * 1000) this.follow(new Set());
    } finally {
      this.rounding = false;
    }
  }

  private follow(owned: ReadonlySet<number>): void {
    for (const p of [...this.followers.keys()]) if (!owned.has(p)) this.give(p);
    for (const p of owned) if (!this.followers.has(p)) this.take(p);
  }

  private take(p: number): void {
    this.ownership.take(p);
    const started = this.clock.now();
    const follower = this.log.follow(p, async (payload) => {
      const batch = decodeLogged(payload);
      if ('samples' in batch) await this.windows.apply(batch.samples);
      else await this.hostSeries.deriveLogged(batch.route, batch.series); // the partition's host series state lives here
    });
    this.followers.set(p, follower);
    // forecast (and adopt the alerts of) a partition once it is replayed and the others' alert state is here
    void Promise.all([follower.caughtUp, this.exchange.initialized])
      .then(() => this.exchange.caughtUp(this.config.leaseTtlSeconds * 1000))
      .then(() => {
        if (this.followers.get(p) !== follower) return;
        this.ownership.markReady(p);
        const firing = this.exchange.adopt(p);
        this.logger.log(`partition ${p}: replayed in ${this.clock.now() - started} ms, forecasting it; ${firing} firing alerts go on here`);
        this.inference.requestPass();
      });
  }

  /**
   * Partitions about to be released: stop forecasting them, let a pass under way publish (for at most a
   * third of LEASE_TTL: the round renews the other leases after this), then leave their alert state for
   * the next owner.
   */
  private async handOff(partitions: number[]): Promise<void> {
    for (const p of partitions) this.ownership.stopForecasting(p);
    await Promise.race([this.inference.settled(), new Promise((r) => setTimeout(r, (this.config.leaseTtlSeconds * 1000) / 3))]);
    await this.exchange.finalHandOff(partitions);
  }

  private give(p: number): void {
    const follower = this.followers.get(p);
    this.followers.delete(p);
    this.ownership.give(p);
    void follower?.stop();
    const released = this.windows.release((server) => this.ownership.owns(server));
    this.exchange.handOver(released); // first: it keeps their alert state, which release() drops
    this.inference.release(released);
    this.hostSeries.release(released);
    this.logger.log(`partition ${p}: no longer owned, ${released.length} servers handed over`);
  }
}
