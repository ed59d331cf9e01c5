export * from './lib/write-request';
export * from './lib/received-series';
export * from './lib/series-state';
