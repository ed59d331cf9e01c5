import type { AcceptedSample, ApplyResult } from './window.service';

/**
 * Where validated samples go before a write is acknowledged: the WindowService of a single process
 * (SQLite), or in cluster mode the metrics log every replica follows (cluster/log-ingest.ts). Either
 * resolves only once the samples are durable and rejects with StoreWriteError when they are not.
 */
export interface SampleSink {
  apply(samples: readonly AcceptedSample[]): Promise<ApplyResult>;
}

export const SAMPLE_SINK = Symbol('SAMPLE_SINK');
