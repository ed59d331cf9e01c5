export * from './lib/step-grid';
export * from './lib/model-metadata';
export * from './lib/model-inputs';
export * from './lib/forecast-decoding';
export * from './lib/heuristic';
export * from './lib/alert-rules';
export * from './lib/incident-risk';
