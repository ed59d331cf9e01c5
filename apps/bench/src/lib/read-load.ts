import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { percentile } from './stats';

export interface ReadLoadResult {
  requests: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  requests_per_second: number;
  /** Bytes on the wire per second (compressed when the server sent gzip). */
  megabytes_per_second: number;
  /** Responses that were not 200. */
  non_2xx: number;
  errors: number;
}

/**
 * Closed-loop GET load over keep-alive connections that counts the body bytes and keeps nothing:
 * latency is request start to last byte. autocannon appends every body chunk to a JS string
 * (`req.body += data`), which for multi-megabyte bodies makes the load generator, not the server,
 * the bottleneck, and for gzip adds a UTF-8 decode of binary data.
 */
export async function readLoad(o: {
  /** One URL, or several that each connection takes in turn. */
  url: string | readonly string[];
  connections: number;
  durationS: number;
  headers?: Record<string, string>;
}): Promise<ReadLoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.connections });
  const latencies: number[] = [];
  let bytes = 0;
  let non2xx = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + o.durationS * 1000;
  const urls = typeof o.url === 'string' ? [o.url] : o.url;
  let turn = 0;
  const once = () =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const req = request(urls[turn++ % urls.length], { agent, headers: o.headers }, (res) => {
        if (res.statusCode !== 200) non2xx++;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => {
          latencies.push(performance.now() - t0);
          resolve();
        });
        res.on('error', () => {
          errors++;
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end();
    });
  const loop = async () => {
    while (performance.now() < deadline) await once();
  };
  try {
    await Promise.all(Array.from({ length: o.connections }, loop));
  } finally {
    agent.destroy();
  }
  const seconds = (performance.now() - started) / 1000;
  const round = (x: number) => +x.toFixed(1);
  return {
    requests: latencies.length,
    p50_ms: round(percentile(latencies, 50)),
    p90_ms: round(percentile(latencies, 90)),
    p99_ms: round(percentile(latencies, 99)),
    max_ms: round(Math.max(...latencies)),
    requests_per_second: round(latencies.length / seconds),
    megabytes_per_second: round(bytes / 1024 ** 2 / seconds),
    non_2xx: non2xx,
    errors,
  };
}
