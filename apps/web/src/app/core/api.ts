import { inject, InjectionToken } from '@angular/core';
import { createClient, createConfig, type Client } from '@tft/api-client';

export type Service = 'api' | 'generator';

const SERVICE_LABELS: Record<Service, string> = {
  api: 'inference api',
  generator: 'metrics generator',
};

/** Base URL of the inference api as the browser sees it; the console server (apps/web-server) proxies /api. */
export const API_BASE_URL = new InjectionToken<string>('API_BASE_URL', {
  providedIn: 'root',
  factory: () => '/api',
});

/** Base URL of the metrics generator; the console server (apps/web-server) proxies /generator. */
export const GENERATOR_BASE_URL = new InjectionToken<string>('GENERATOR_BASE_URL', { providedIn: 'root', factory: () => '/generator' });

/** The fetch the generated clients use (specs substitute a fake server). */
export const FETCH = new InjectionToken<typeof fetch>('FETCH', {
  providedIn: 'root',
  factory: () => (input, init) => globalThis.fetch(input, init),
});

/** Generated client bound to the inference api. */
export const API_CLIENT = new InjectionToken<Client>('API_CLIENT', {
  providedIn: 'root',
  factory: () => createServiceClient('api', inject(API_BASE_URL), inject(FETCH)),
});

/** Generated client bound to the metrics generator. */
export const GENERATOR_CLIENT = new InjectionToken<Client>('GENERATOR_CLIENT', {
  providedIn: 'root',
  factory: () => createServiceClient('generator', inject(GENERATOR_BASE_URL), inject(FETCH)),
});

/**
 * A failed call, classified for the operator: `unreachable` (network error, or the proxy's 502/504
 * because the daemon is down) or `http` (the daemon answered with an error status).
 */
export class ServiceError extends Error {
  constructor(
    readonly service: Service,
    readonly reason: 'unreachable' | 'http',
    readonly status: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }

  get label(): string {
    return SERVICE_LABELS[this.service];
  }
}

export function createServiceClient(service: Service, baseUrl: string, fetchFn: typeof fetch): Client {
  const client = createClient(createConfig({ baseUrl, fetch: fetchFn }));
  client.interceptors.error.use((error, response) => toServiceError(service, error, response));
  return client;
}

interface ErrorBody {
  error?: unknown;
  message?: unknown;
}

/** Turns whatever the fetch client produced into a ServiceError with a readable message. */
export function toServiceError(service: Service, error: unknown, response: Response | undefined): ServiceError {
  if (error instanceof ServiceError) return error;
  const label = SERVICE_LABELS[service];
  if (!response) {
    const why = error instanceof Error ? error.message : String(error);
    return new ServiceError(service, 'unreachable', null, `The ${label} cannot be reached (${why}).`);
  }
  const body: ErrorBody = typeof error === 'object' && error !== null ? (error as ErrorBody) : {};
  const text =
    typeof body.message === 'string'
      ? body.message
      : Array.isArray(body.message)
        ? body.message.join('; ')
        : typeof error === 'string' && error.length > 0
          ? error.slice(0, 200)
          : response.statusText;
  if (body.error === 'upstream_unreachable' || response.status === 502 || response.status === 504) {
    return new ServiceError(service, 'unreachable', response.status, text || `The ${label} cannot be reached (HTTP ${response.status}).`);
  }
  return new ServiceError(service, 'http', response.status, `The ${label} answered ${response.status}: ${text}`);
}

/** Any thrown value as a ServiceError of `service` (for code paths outside the client). */
export function asServiceError(service: Service, error: unknown): ServiceError {
  return error instanceof ServiceError ? error : toServiceError(service, error, undefined);
}

/** What every generated call of a data service takes: its client, the poll's signal, failures thrown. */
export function callOptions(client: Client, signal?: AbortSignal) {
  return { client, signal, throwOnError: true as const };
}
