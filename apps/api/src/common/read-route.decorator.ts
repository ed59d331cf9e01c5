import { applyDecorators, Get, type Type } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiResponse } from '@nestjs/swagger';

export interface ReadRouteOptions {
  summary: string;
  description?: string;
  /** The 200 body: a DTO class, or `[Dto]` for an array of them. */
  type: Type | [Type];
  /** Served from a body built once per pass: 304 while the client's ETag is current. */
  cached?: boolean;
  /** When the route can answer 404, what that means. */
  notFound?: string;
  /** When the route takes query parameters it can refuse, what that means. */
  badRequest?: string;
}

/** A GET route with its OpenAPI description: the one shape every read endpoint of the api has. */
export function ReadRoute(path: string, { summary, description, type, cached, notFound, badRequest }: ReadRouteOptions): MethodDecorator {
  return applyDecorators(
    Get(path),
    ApiOperation({ summary, description }),
    ApiOkResponse({ type }),
    ...(cached ? [ApiResponse({ status: 304, description: 'Unchanged since the ETag sent in If-None-Match' })] : []),
    ...(notFound ? [ApiNotFoundResponse({ description: notFound })] : []),
    ...(badRequest ? [ApiBadRequestResponse({ description: badRequest })] : []),
  );
}
