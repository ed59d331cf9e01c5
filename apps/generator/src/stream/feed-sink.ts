import type { FeedDataResponseDto, StatusDto } from '@tft/api-client';
import { CLOCK_OFFSET_HEADER, type MetricRecord } from '@tft/contracts';

/** Where streamed records go; injected so the stream can be tested against a stub. */
export interface FeedSink {
  readonly target: string;
  /**
   * Delivers a batch; resolves with the reasons of the records the receiver refused one by one (a
   * partial answer). `clockOffsetSeconds`: how far the sender's clock runs ahead of the wall clock.
   */
  send(records: MetricRecord[], clockOffsetSeconds?: number): Promise<string[]>;
  /** Time of the newest sample the receiver holds (epoch s), or null when it holds none or cannot say. */
  storedUntil(): Promise<number | null>;
}

export const FEED_SINK = Symbol('FEED_SINK');

/** A delivery failure. `retry` false means the api refused the data itself; resending cannot help. */
export class FeedError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
  }
}

/** Posts batches to the api's `POST /feed/data`, as any log forwarder would. */
export class HttpFeedSink implements FeedSink {
  readonly target: string;

  constructor(
    private readonly apiUrl: string,
    private readonly apiKey: string | undefined,
    private readonly timeoutMs = 10_000,
  ) {
    this.target = `${apiUrl}/feed/data`;
  }

  async send(records: MetricRecord[], clockOffsetSeconds = 0): Promise<string[]> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
    };
    if (clockOffsetSeconds > 0) headers[CLOCK_OFFSET_HEADER] = String(Math.ceil(clockOffsetSeconds));
    const response = await this.request(this.target, {
      method: 'POST',
      headers,
      body: JSON.stringify({ records }),
    });
    if (response.ok) {
      // An unreadable answer to a 2xx is taken as nothing refused.
      const answer = (await response.json().catch(() => ({}))) as Partial<FeedDataResponseDto>;
      return (answer.rejected ?? []).map((r) => `records[${r.index}].${r.field}: ${r.reason}`);
    }
    const body = (await response.text().catch(() => '')).slice(0, 300);
    // Auth failures and overload are worth retrying (config fixed, load drops); other 4xx are not.
    const retry = response.status >= 500 || [401, 403, 408, 429].includes(response.status);
    throw new FeedError(`api answered ${response.status}: ${body}`, retry);
  }

  /** Reads `clock.data_time` from the api's GET /status; an api without it (or a 404) holds nothing to resume. */
  async storedUntil(): Promise<number | null> {
    const response = await this.request(`${this.apiUrl}/status`, {});
    if (response.status === 404) return null;
    if (!response.ok) throw new FeedError(`api answered ${response.status} to GET /status`, true);
    const status = (await response.json().catch(() => ({}))) as Partial<Pick<StatusDto, 'clock'>>;
    const dataTime = status.clock?.data_time;
    const time = typeof dataTime === 'string' ? Date.parse(dataTime) / 1000 : NaN;
    return Number.isFinite(time) ? time : null;
  }

  private async request(url: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.apiKey) headers.set('x-api-key', this.apiKey);
    try {
      return await fetch(url, {
        ...init,
        headers,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new FeedError(`api unreachable (${cause?.code ?? cause?.message ?? (err as Error).message})`, true);
    }
  }
}
