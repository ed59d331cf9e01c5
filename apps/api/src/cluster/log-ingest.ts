import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { StoreWriteError, type AcceptedSample, type ApplyResult } from '../window/window.service';
import type { SampleSink } from '../window/sample-sink';
import { ClusterConnection } from './cluster-connection';
import { MetricsLog } from './metrics-log';
import { PartitionOwnership } from './partition-ownership';
import type { SeriesRoutePath } from '../metrics/api-metrics';
import type { ClassifiedSeries } from '../remote-write/node-exporter-mapping';
import { encodeBatch, encodeSeriesBatch } from './sample-batch';

/**
 * Writes in cluster mode: a request's samples are split by partition and each share is appended to the
 * metrics log under an id derived from its content, so a retried request (to this replica or another)
 * is stored once. The request is answered only after JetStream acknowledged every share; the owners
 * apply them to their windows from the log. Samples a window already holds are counted as added here
 * and dropped there; samples older than the owner's window are dropped there too.
 */
@Injectable()
export class LogIngest implements SampleSink {
  constructor(
    private readonly log: MetricsLog,
    private readonly connection: ClusterConnection,
    @Inject(PartitionOwnership) private readonly ownership: PartitionOwnership,
  ) {}

  async apply(samples: readonly AcceptedSample[]): Promise<ApplyResult> {
    const result: ApplyResult = { added: 0, serversWithClosedChanges: 0, duplicates: [], tooOld: [] };
    for (const { share, duplicate } of await this.append(samples, encodeBatch)) {
      if (duplicate) result.duplicates.push(...share.map((s) => s.index));
      else result.added += share.length;
    }
    return result;
  }

  /**
   * Remote write and OTLP in cluster mode: classified series go to their partition's owner, which derives them
   * against the series state it holds (counter rates need the previous sample), so a request spread
   * over replicas stores what one replica would. Returns the samples appended and those a retry re-sent.
   */
  async appendSeries(series: readonly ClassifiedSeries[], route: SeriesRoutePath): Promise<{ added: number; duplicates: number }> {
    const counts = { added: 0, duplicates: 0 };
    for (const { share, duplicate } of await this.append(series, (share) => encodeSeriesBatch(share, route))) {
      const n = share.reduce((sum, s) => sum + s.samples.length, 0);
      if (duplicate) counts.duplicates += n;
      else counts.added += n;
    }
    return counts;
  }

  /** Appends each partition's share under an id derived from its content, once JetStream has them all. */
  private async append<T extends { server: string }>(
    items: readonly T[],
    encode: (share: readonly T[]) => Uint8Array,
  ): Promise<{ share: T[]; duplicate: boolean }[]> {
    if (!items.length) return [];
    if (!this.connection.connected) {
      throw new StoreWriteError(`the metrics log (NATS at ${this.connection.url}) is unreachable, nothing was stored: retry`);
    }
    const shares = new Map<number, T[]>();
    for (const item of items) {
      const p = this.ownership.partitionOf(item.server);
      let share = shares.get(p);
      if (!share) shares.set(p, (share = []));
      share.push(item);
    }
    try {
      return await Promise.all(
        [...shares].map(async ([partition, share]) => {
          const payload = encode(share);
          const id = createHash('sha256').update(`${partition}\u0000`).update(payload).digest('base64url');
          return { share, ...(await this.log.append(partition, id, payload)) };
        }),
      );
    } catch (err) {
      throw new StoreWriteError(`could not store the samples in the metrics log (${(err as Error).message}): retry`);
    }
  }
}
