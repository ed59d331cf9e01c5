import { nodeProjectConfig } from '../../tools/vitest-node-project.mjs';

// The end-to-end specs start Prometheus or the api, fine-tune for seconds and backtest both models.
export default nodeProjectConfig(import.meta.dirname, { testTimeout: 240_000 });
