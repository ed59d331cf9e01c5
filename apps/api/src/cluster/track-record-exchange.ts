import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import { RECORD_LENGTH } from '@tft/forecasting';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { ApiEvents } from '../snapshot/api-events';
import { TrackRecordService } from '../track-record/track-record.service';
import type { StoredSlice } from '../track-record/track-record.store';

/** The JetStream KV bucket of cluster mode that holds every replica's fleet and profile track-record slices. */
export const TRACK_RECORD_BUCKET = 'TFT_TRACK_RECORD';
export const TRACK_RECORD_KV = Symbol('TRACK_RECORD_KV');
/** Slices outlive the longest window that reads them (7 daily slices) by a day, then the bucket drops them. */
export const TRACK_RECORD_TTL_MS = 8 * 86_400_000;

/** `r.<replica>.<span>.<start>.<scope>`: replica ids are KV-safe already, the scope travels base64url-encoded. */
export const sliceKeyOf = (replica: string, s: Pick<StoredSlice, 'scope' | 'span' | 'start'>): string =>
  `r.${replica}.${s.span}.${s.start}.${Buffer.from(s.scope, 'utf8').toString('base64url')}`;

export function parseSliceKey(key: string): { replica: string; scope: string; span: number; start: number } | null {
  const [r, replica, span, start, scope] = key.split('.');
  if (r !== 'r' || !replica || scope === undefined || !/^\d+$/.test(span) || !/^-?\d+$/.test(start)) return null;
  return { replica, scope: Buffer.from(scope, 'base64url').toString('utf8'), span: Number(span), start: Number(start) };
}

/**
 * Cluster mode's part of the track record: each replica scores the servers it owns, puts its fleet and
 * profile slices (the ones that changed, after each of its publishes) into a KV bucket of their own,
 * and folds the other replicas' into its record, so every replica's GET /accuracy and /metrics show
 * the whole fleet. A replica that died leaves its slices there: the fleet's past stays counted until
 * the bucket's TTL. A server's own record stays with the replica that scored it.
 */
@Injectable()
export class TrackRecordExchange implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Cluster');
  private stopped = false;
  private sending: Promise<void> | null = null;
  /** Slices whose put failed, sent again with the next. */
  private unsent = new Map<string, StoredSlice>();
  private failing = false;

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(TRACK_RECORD_KV) private readonly kv: KV,
    private readonly record: TrackRecordService,
    private readonly events: ApiEvents,
  ) {}

  onApplicationBootstrap(): void {
    // the record subscribed first (it is a dependency), so a publish's scores are in what this takes
    this.events.on('forecast.snapshot', () => void this.send());
    void this.watch();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
  }

  /** Puts the slices that changed since the last send; one send at a time, the next takes what piled up. */
  send(): Promise<void> {
    if (this.sending) return this.sending;
    this.sending = this.put().finally(() => (this.sending = null));
    return this.sending;
  }

  private async put(): Promise<void> {
    for (const s of this.record.takeShared()) this.unsent.set(sliceKeyOf(this.config.replicaId, s), s);
    if (!this.unsent.size) return;
    const batch = this.unsent;
    this.unsent = new Map();
    const results = await Promise.allSettled(
      [...batch].map(([key, s]) => this.kv.put(key, new Uint8Array(s.sums.buffer, s.sums.byteOffset, s.sums.byteLength))),
    );
    const failed = [...batch].filter((_, i) => results[i].status === 'rejected');
    for (const [key, s] of failed) if (!this.unsent.has(key)) this.unsent.set(key, s);
    if (failed.length && !this.failing) {
      const reason = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason;
      this.logger.warn(
        `${failed.length} track-record slices not shared with the other replicas (${reason}); sent again with the next publish`,
      );
    }
    this.failing = failed.length > 0;
  }

  /** Follows the other replicas' slices, restarting the watch if it ends while the replica runs. */
  private async watch(): Promise<void> {
    while (!this.stopped) {
      try {
        const entries = await this.kv.watch({ key: 'r.>' });
        for await (const e of entries) {
          if (this.stopped) break;
          const key = parseSliceKey(e.key);
          if (!key || key.replica === this.config.replicaId || e.operation !== 'PUT') continue;
          const sums = new Float64Array(RECORD_LENGTH);
          if (e.value.byteLength !== sums.byteLength) continue; // another layout: a replica of another version
          new Uint8Array(sums.buffer).set(e.value);
          this.record.mergePeer(key.replica, { scope: key.scope, span: key.span, start: key.start, sums });
        }
      } catch (err) {
        if (!this.stopped) this.logger.warn(`watching ${TRACK_RECORD_BUCKET} failed (${(err as Error).message}); retrying`);
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
