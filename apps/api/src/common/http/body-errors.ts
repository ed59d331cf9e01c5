import { BadRequestException, HttpException, PayloadTooLargeException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';

/** The contract nests 3 levels ({records: [{...}]}); validation recurses, so deeper bodies stop here. */
const MAX_JSON_DEPTH = 32;

function jsonDepthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

export function rejectDeepJson(req: Request, _res: Response, next: NextFunction): void {
  if (!jsonDepthExceeds(req.body, MAX_JSON_DEPTH)) return next();
  next(new BadRequestException(`JSON body nests deeper than ${MAX_JSON_DEPTH} levels`));
}

/** Sizes as MAX_BODY_SIZE counts them (kb and mb are powers of 1024). */
export function humanBytes(bytes: number): string {
  const [unit, size] = bytes >= 1024 ** 2 ? ['MB', 1024 ** 2] : bytes >= 1024 ? ['KB', 1024] : ['bytes', 1];
  return `${Number((bytes / (size as number)).toFixed(1))} ${unit}`;
}

/** What body-parser attaches to the errors it raises (http-errors plus its own fields). */
export interface BodyParserError extends Error {
  status?: number;
  type?: string;
  limit?: number;
  length?: number;
  charset?: string;
  encoding?: string;
}

/**
 * A request body that could not be read (raw-body's errors, which body-parser raises as well), as an
 * exception that says what to change: the limit and the size sent. Their own texts ("request entity
 * too large") name neither. `howToShrink` is the write route's advice for a body over the limit.
 */
export function bodyReadError(err: BodyParserError, maxBodyBytes: number, howToShrink: string): HttpException | null {
  switch (err.type) {
    case 'entity.too.large':
      return new PayloadTooLargeException(
        `request body is ${err.length === undefined ? 'over' : `${humanBytes(err.length)}, over`} the MAX_BODY_SIZE limit of ` +
          `${humanBytes(maxBodyBytes)}: ${howToShrink}`,
      );
    case 'request.aborted':
      return new BadRequestException('the client closed the connection before the body arrived');
    case 'request.size.invalid':
      return new BadRequestException('request body is shorter or longer than its Content-Length');
  }
  return null;
}

/** Body-parser's errors as exceptions that say what to change (bodyReadError, the JSON error, the encoding). */
export function explainBodyErrors(maxBodyBytes: number): ErrorRequestHandler {
  return (err: BodyParserError, req, _res, next) => {
    const unreadable = bodyReadError(err, maxBodyBytes, 'split the records over several requests');
    if (unreadable) return next(unreadable);
    switch (err.type) {
      case 'entity.parse.failed':
        return next(new BadRequestException(`request body is not valid JSON: ${err.message.slice(0, 200)}`));
      case 'encoding.unsupported':
        return next(new UnsupportedMediaTypeException(`${err.message}: send the body uncompressed or with gzip, deflate or br`));
      case 'charset.unsupported':
        return next(new UnsupportedMediaTypeException(`${err.message}: send JSON as utf-8`));
    }
    if (err.status === 400 && req.headers['content-encoding']) {
      // zlib's errors, raised while inflating
      return next(new BadRequestException(`request body could not be decompressed (${req.headers['content-encoding']}): ${err.message}`));
    }
    next(err);
  };
}
