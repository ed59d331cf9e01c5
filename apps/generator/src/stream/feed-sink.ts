import type { MetricRecord } from '@tft/contracts';

/** Where streamed records go; injected so the stream can be tested against a stub. */
export interface FeedSink {
  readonly target: string;
  send(records: MetricRecord[]): Promise<void>;
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
    apiUrl: string,
    private readonly apiKey: string | undefined,
    private readonly timeoutMs = 10_000,
  ) {
    this.target = `${apiUrl}/feed/data`;
  }

  async send(records: MetricRecord[]): Promise<void> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
    };
    if (this.apiKey) headers['x-api-key'] = this.apiKey;
    let response: Response;
    try {
      response = await fetch(this.target, {
        method: 'POST',
        headers,
        body: JSON.stringify({ records }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } })
        .cause;
      throw new FeedError(
        `api unreachable (${cause?.code ?? cause?.message ?? (err as Error).message})`,
        true,
      );
    }
    if (response.ok) return;
    const body = (await response.text().catch(() => '')).slice(0, 300);
    // Auth failures and overload are worth retrying (config fixed, load drops); other 4xx are not.
    const retry =
      response.status >= 500 || [401, 403, 408, 429].includes(response.status);
    throw new FeedError(`api answered ${response.status}: ${body}`, retry);
  }
}
