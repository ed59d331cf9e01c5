/** The process's own readings, injected so the status can be tested with known figures. */
export interface ProcessProbe {
  memoryUsage(): NodeJS.MemoryUsage;
}

export const PROCESS_PROBE = Symbol('PROCESS_PROBE');

export const nodeProcessProbe: ProcessProbe = {
  memoryUsage: () => process.memoryUsage(),
};
