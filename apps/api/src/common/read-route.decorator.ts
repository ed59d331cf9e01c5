import { applyDecorators, Get, type Type } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiResponse } from '@nestjs/swagger';

export interface ReadRouteOptions {
  summary: string;
  description?: string;
  /** The 200 body: a DTO class, or `[Dto]` for an array of them. */
  type: Type | [Type];
  /** Served from a body built once per pass: 304 while the client's ETag is current. */
  cached?: boolean;
  /** When the route can answer 404, what that means. */
  notFound?: string;
}

/** A GET route with its OpenAPI description: the one shape every read endpoint of the api has. */
export function ReadRoute(path: string, { summary, description, type, cached, notFound }: ReadRouteOptions): MethodDecorator {
  return applyDecorators(
    Get(path),
    ApiOperation({ summary, description }),
    ApiOkResponse({ type }),
    ...(cached ? [ApiResponse({ status: 304, description: 'Unchanged since the ETag sent in If-None-Match' })] : []),
    ...(notFound ? [ApiNotFoundResponse({ description: notFound })] : []),
  );
}
