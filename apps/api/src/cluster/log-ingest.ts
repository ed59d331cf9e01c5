import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { StoreWriteError, type AcceptedSample, type ApplyResult } from '../window/window.service';
import type { SampleSink } from '../window/sample-sink';
import { ClusterConnection } from './cluster-connection';
import { MetricsLog } from './metrics-log';
import { PartitionOwnership } from './partition-ownership';
import { encodeBatch } from './sample-batch';

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
    if (!samples.length) return result;
    if (!this.connection.connected) {
      throw new StoreWriteError(`the metrics log (NATS at ${this.connection.url}) is unreachable, nothing was stored: retry`);
    }
    const shares = new Map<number, AcceptedSample[]>();
    for (const s of samples) {
      const p = this.ownership.partitionOf(s.server);
      let share = shares.get(p);
      if (!share) shares.set(p, (share = []));
      share.push(s);
    }
    let acks;
    try {
      acks = await Promise.all(
        [...shares].map(async ([partition, share]) => {
          const payload = encodeBatch(share);
          const id = createHash('sha256').update(`${partition}\u0000`).update(payload).digest('base64url');
          return { share, ...(await this.log.append(partition, id, payload)) };
        }),
      );
    } catch (err) {
      throw new StoreWriteError(`could not store the samples in the metrics log (${(err as Error).message}): retry`);
    }
    for (const { share, duplicate } of acks) {
      if (duplicate) result.duplicates.push(...share.map((s) => s.index));
      else result.added += share.length;
    }
    return result;
  }
}
