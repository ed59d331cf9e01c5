export * from './lib/metrics';
export * from './lib/fleet';
export * from './lib/scenarios';
export * from './lib/records';
export * from './lib/clock';
export * from './lib/durations';
export * from './lib/config';
