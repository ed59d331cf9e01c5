import { nodeProjectConfig } from '../../tools/vitest-node-project.mjs';

// The CLI specs load the shipped ONNX model and run it on a few hundred origins.
export default nodeProjectConfig(import.meta.dirname, { testTimeout: 120_000 });
