import { STATUS_CODES } from 'node:http';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ErrorDto } from '../dto/error.dto';
import { RetryLaterException } from '../retry-later.exception';

/** An error a client caused: an HttpException below 500, or an http-errors object such as body-parser raises. */
function clientStatus(exception: unknown): number | undefined {
  if (exception instanceof HttpException) return undefined;
  const status = (exception as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

/** The one error body: `message` is always a string, `rejected` is kept where POST /feed/data sends it. */
export function errorBody(exception: unknown): ErrorDto & { rejected?: unknown[] } {
  let statusCode = 500;
  let message = 'internal error; the api log has the details';
  let rejected: unknown[] | undefined;
  if (exception instanceof HttpException) {
    statusCode = exception.getStatus();
    const response = exception.getResponse();
    const raw =
      typeof response === 'object' && response !== null ? (response as { message?: unknown; rejected?: unknown }) : { message: response };
    message = Array.isArray(raw.message) ? raw.message.join('; ') : typeof raw.message === 'string' ? raw.message : exception.message;
    if (Array.isArray(raw.rejected)) rejected = raw.rejected;
  } else {
    const status = clientStatus(exception);
    if (status !== undefined) {
      statusCode = status;
      message = (exception as Error).message;
    }
  }
  return {
    statusCode,
    error: STATUS_CODES[statusCode] ?? 'Error',
    message,
    ...(rejected ? { rejected } : {}),
  };
}

/**
 * Answers every error with errorBody. Only server faults are logged, with their stack: a client's
 * mistake (a bad body, a missing key, a throttled write) is the client's to read, not the operator's.
 */
@Catch()
export class ErrorBodyFilter implements ExceptionFilter {
  private readonly logger = new Logger('ExceptionsHandler');

  catch(exception: unknown, host: ArgumentsHost): void {
    const body = errorBody(exception);
    if (!(exception instanceof HttpException) && clientStatus(exception) === undefined) {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) {
      res.end();
      return;
    }
    if (exception instanceof RetryLaterException) res.setHeader('Retry-After', String(exception.retryAfterSeconds));
    res.status(body.statusCode).json(body);
  }
}
