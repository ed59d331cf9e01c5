import { RetryLaterException } from './retry-later.exception';

/** Requests of one host-metric receiver (remote write, OTLP) decoded and stored at once. */
export const MAX_CONCURRENT_WRITES = 32;

/**
 * At most `limit` requests of one receiver decoded and stored at once; beyond it the receiver answers
 * 503 with Retry-After, which Prometheus and OTLP exporters retry with backoff (they drop data on a 429).
 */
export class InFlightGate {
  private inFlight = 0;

  constructor(
    private readonly limit: number,
    /** What the requests are, for the refusal: "remote-write", "OTLP". */
    private readonly what: string,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.limit) {
      throw new RetryLaterException(`the receiver is busy with ${this.inFlight} ${this.what} requests; retry after 1 s`, 1);
    }
    this.inFlight++;
    try {
      return await work();
    } finally {
      this.inFlight--;
    }
  }
}
