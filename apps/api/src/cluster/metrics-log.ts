import {
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  StorageType,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/nats-core';

export const METRICS_STREAM = 'TFT_METRICS';
export const metricsSubject = (partition: number): string => `tft.metrics.${partition}`;

export interface MetricsLogOptions {
  /** How long the stream keeps a batch: at least the model's context (24 h) plus a margin, since a new owner replays it. */
  maxAgeMs: number;
  /** Within this, a batch re-published with the same id is stored once. */
  duplicateWindowMs: number;
}

/** A partition being followed (MetricsLog.follow). */
export interface Follower {
  caughtUp: Promise<void>;
  /** Drops the consumer and follows on from the last batch handed over (after a reconnect). */
  resume(): void;
  stop(): Promise<void>;
}

export const DEFAULT_METRICS_LOG: MetricsLogOptions = { maxAgeMs: 26 * 3600_000, duplicateWindowMs: 10 * 60_000 };

/**
 * The source of truth of cluster mode: a JetStream stream with file storage, one subject per
 * partition. A batch is acknowledged once the stream stored it; a retried batch (same id) is
 * deduplicated by JetStream; a partition's new owner rebuilds its windows by replaying its subject.
 */
export class MetricsLog {
  private constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
  ) {}

  /** Opens the stream, creating it (or updating its limits) as needed. */
  static async open(nc: NatsConnection, options: MetricsLogOptions = DEFAULT_METRICS_LOG): Promise<MetricsLog> {
    const jsm = await jetstreamManager(nc);
    const config = {
      name: METRICS_STREAM,
      subjects: [metricsSubject(0).replace(/0$/, '*')],
      storage: StorageType.File,
      max_age: nanos(options.maxAgeMs),
      duplicate_window: nanos(options.duplicateWindowMs),
    };
    try {
      await jsm.streams.info(METRICS_STREAM);
      await jsm.streams.update(METRICS_STREAM, config);
    } catch {
      await jsm.streams.add(config);
    }
    return new MetricsLog(jetstream(nc), jsm);
  }

  /** Stores one batch of a partition; `duplicate` when this id was already stored within the window. */
  async append(partition: number, batchId: string, payload: Uint8Array, timeoutMs = 5000): Promise<{ seq: number; duplicate: boolean }> {
    const ack = await this.js.publish(metricsSubject(partition), payload, { msgID: batchId, timeout: timeoutMs });
    return { seq: ack.seq, duplicate: ack.duplicate };
  }

  /**
   * Hands every batch of a partition to `onBatch`, oldest first and one at a time, then the new ones
   * as they are stored, until stopped. `caughtUp` resolves once the batches stored when it started are
   * through. When the consumer fails or stalls (a NATS restart), following resumes after the last batch
   * handed over, so none is skipped or handed over twice; `resume()` forces that after a reconnect.
   */
  follow(partition: number, onBatch: (payload: Uint8Array) => Promise<void>): Follower {
    const subject = metricsSubject(partition);
    let messages: ConsumerMessages | null = null;
    let stopped = false;
    let lastSeq = 0;
    let markCaughtUp = (): void => undefined;
    const caughtUp = new Promise<void>((resolve) => (markCaughtUp = resolve));
    const run = async (): Promise<void> => {
      while (!stopped) {
        try {
          if (!lastSeq) {
            const info = await this.jsm.streams.info(METRICS_STREAM, { subjects_filter: subject });
            if (!info.state.subjects?.[subject]) markCaughtUp();
          }
          const from = lastSeq ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: lastSeq + 1 } : {};
          const consumer = await this.js.consumers.get(METRICS_STREAM, { filter_subjects: subject, ...from });
          if (stopped) return;
          messages = await consumer.consume();
          for await (const m of messages) {
            if (m.seq <= lastSeq) continue;
            await onBatch(m.data);
            lastSeq = m.seq;
            if (m.info.pending === 0) markCaughtUp();
          }
        } catch {
          /* NATS went away or the consumer failed: start again after the last batch handed over */
        }
        if (!stopped) await new Promise((r) => setTimeout(r, 500));
      }
    };
    const ended = run();
    return {
      caughtUp,
      resume: () => void messages?.close(),
      stop: async () => {
        stopped = true;
        await messages?.close();
        await ended;
      },
    };
  }

  /** Every batch the stream holds for a partition, oldest first, up to what it held when called. */
  async *replay(partition: number): AsyncGenerator<{ seq: number; payload: Uint8Array }> {
    const subject = metricsSubject(partition);
    const info = await this.jsm.streams.info(METRICS_STREAM, { subjects_filter: subject });
    if (!info.state.subjects?.[subject]) return;
    const consumer = await this.js.consumers.get(METRICS_STREAM, { filter_subjects: subject });
    const messages = await consumer.consume();
    try {
      for await (const m of messages) {
        yield { seq: m.seq, payload: m.data };
        if (m.info.pending === 0) break;
      }
    } finally {
      await messages.close();
    }
  }
}
