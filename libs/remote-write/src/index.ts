export * from './lib/write-request';
