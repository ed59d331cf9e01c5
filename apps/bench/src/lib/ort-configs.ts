import type { InferenceSession } from 'onnxruntime-node';

/** The onnxruntime session options the bench sweeps. */
export interface OrtConfig {
  intraOpNumThreads: number;
  executionMode: 'sequential' | 'parallel';
  graphOptimizationLevel: 'basic' | 'all';
  enableMemPattern: boolean;
}

/** Every combination of 1/2 intra-op threads, sequential/parallel, basic/all, memory pattern on/off (16). */
export function sweepConfigs(threads: readonly number[] = [1, 2]): OrtConfig[] {
  const out: OrtConfig[] = [];
  for (const intraOpNumThreads of threads)
    for (const executionMode of ['sequential', 'parallel'] as const)
      for (const graphOptimizationLevel of ['basic', 'all'] as const)
        for (const enableMemPattern of [true, false])
          out.push({
            intraOpNumThreads,
            executionMode,
            graphOptimizationLevel,
            enableMemPattern,
          });
  return out;
}

/** Short, fixed-width name of a configuration, e.g. `2t parallel   all   mem:on`. */
export function configLabel(c: OrtConfig): string {
  return `${c.intraOpNumThreads}t ${c.executionMode.padEnd(10)} ${c.graphOptimizationLevel.padEnd(5)} mem:${c.enableMemPattern ? 'on' : 'off'}`;
}

/**
 * CPU session options for a configuration. In parallel mode the inter-op pool gets as many threads as
 * the intra-op one, so "threads" is the whole budget either way (onnxruntime's default would be one per core).
 */
export function sessionOptions(c: OrtConfig): InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    intraOpNumThreads: c.intraOpNumThreads,
    interOpNumThreads: c.intraOpNumThreads,
    executionMode: c.executionMode,
    graphOptimizationLevel: c.graphOptimizationLevel,
    enableMemPattern: c.enableMemPattern,
  };
}
