import { ServiceUnavailableException } from '@nestjs/common';

/**
 * 503 with Retry-After (the error filter sets the header): the store failed or a receiver is
 * saturated, nothing was acknowledged, and the same request may simply be sent again. Prometheus
 * retries 5xx with backoff but drops data on a 429, so overload is signalled this way.
 */
export class RetryLaterException extends ServiceUnavailableException {
  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
  ) {
    super(message);
  }
}
