import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import type { FeedDataResponseDto } from '@tft/api-client';
import { bucketStart } from '@tft/forecasting';
import { ApiProcess } from '../api-process';
import { IngestStream } from '../bodies';
import { STEP } from '../fill';
import { makeFleet } from '../fleet';
import type { Log } from '../log';
import { num } from '../report';
import { SEED } from '../rng';

export interface IngestRun {
  connections: number;
  seconds: number;
  requests: number;
  records_added: number;
  records_per_second: number;
  duplicates: number;
  rejected: number;
  non_2xx: number;
  errors: number;
  timeouts: number;
  latency_p50_ms: number;
  latency_p99_ms: number;
  api_rss_mb: number | null;
}

export interface IngestResult {
  records_per_second: number;
  best_connections: number;
  batch: number;
  durability: string;
  runs: IngestRun[];
}

/**
 * POST /feed/data with 1,000-record bodies (1,000 servers, one sample each per 5-second slot: no body
 * repeats, no record is a duplicate) from autocannon, closed loop, for each connection count on a fresh
 * api (so earlier runs' servers do not make later ticks heavier).
 */
export async function benchIngest(o: { root: string; modelDir: string; quick: boolean; log: Log }): Promise<IngestResult> {
  const connections = o.quick ? [1, 4] : [1, 4, 8];
  const duration = o.quick ? 3 : 10;
  const batch = 1000;
  const runs: IngestRun[] = [];
  for (const c of connections) {
    const api = await ApiProcess.start(o.root, { modelDir: o.modelDir });
    o.log(`ingest: api up in ${api.startupMs} ms (pid ${api.pid}); ${c} connection(s), ${duration} s of ${batch}-record POST /feed/data`);
    try {
      const fleet = makeFleet(1000, SEED + 7);
      const t0 = bucketStart(Date.now() / 1000, STEP) - 2 * 86400;
      const stream = new IngestStream(fleet, t0, batch, 5, SEED + c);
      const tally = {
        added: 0,
        duplicates: 0,
        rejected: 0,
        bad: 0,
        firstBad: '',
      };
      const started = performance.now();
      const result = await autocannon({
        url: api.base,
        connections: c,
        duration,
        timeout: 60,
        headers: api.headers({ 'content-type': 'application/json' }),
        requests: [
          {
            method: 'POST',
            path: '/feed/data',
            setupRequest: (req) => ({ ...req, body: stream.next() }),
            onResponse: (status, body) => {
              if (status !== 200) {
                tally.bad++;
                tally.firstBad ||= `HTTP ${status} ${body.slice(0, 200)}`;
                return;
              }
              const r = JSON.parse(body) as FeedDataResponseDto;
              tally.added += r.records_added;
              tally.duplicates += r.duplicates;
              tally.rejected += r.rejected.length;
            },
          },
        ],
      });
      const seconds = (performance.now() - started) / 1000;
      const run: IngestRun = {
        connections: c,
        seconds: +seconds.toFixed(2),
        requests: result['2xx'] + result.non2xx,
        records_added: tally.added,
        records_per_second: Math.round(tally.added / seconds),
        duplicates: tally.duplicates,
        rejected: tally.rejected,
        non_2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        latency_p50_ms: result.latency.p50,
        latency_p99_ms: result.latency.p99,
        api_rss_mb: api.rssMb(),
      };
      runs.push(run);
      o.log(
        `ingest: ${c} connection(s): ${num(run.records_per_second)} records/s stored (${run.requests} requests, ` +
          `p50 ${run.latency_p50_ms} ms, p99 ${run.latency_p99_ms} ms; duplicates ${run.duplicates}, rejected ${run.rejected}, ` +
          `non-2xx ${run.non_2xx}, errors ${run.errors})${tally.firstBad ? `; first failure: ${tally.firstBad}` : ''}`,
      );
    } finally {
      await api.stop();
    }
  }
  const best = runs.reduce((a, b) => (b.records_per_second > a.records_per_second ? b : a));
  return {
    records_per_second: best.records_per_second,
    best_connections: best.connections,
    batch,
    durability: 'SQLITE_SYNCHRONOUS=FULL (the default)',
    runs,
  };
}
