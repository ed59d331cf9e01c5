export * from './lib/tft-runner';
export * from './lib/model-dir';
export * from './lib/worker-session';
