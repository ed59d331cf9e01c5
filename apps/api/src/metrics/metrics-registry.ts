import { Registry } from 'prom-client';

/**
 * The api's own prom-client registry (not prom-client's global one), so that each app instance, and
 * each test app, exposes only its own series on GET /metrics.
 */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

export const metricsRegistryProvider = {
  provide: METRICS_REGISTRY,
  useFactory: (): Registry => new Registry(),
};
