export * from './lib/metrics-request';
