import { nodeProjectConfig } from '../../tools/vitest-node-project.mjs';

export default nodeProjectConfig(import.meta.dirname, { testTimeout: 10_000 });
