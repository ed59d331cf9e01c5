import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A full garbage collection on demand; injected so passes can be tested without one. */
export interface GarbageCollector {
  /** Runs a full collection; returns the milliseconds it took. */
  collect(): number;
}

export const GARBAGE_COLLECTOR = Symbol('GARBAGE_COLLECTOR');

let gc: (() => void) | undefined;

/**
 * V8's full collection, as `--expose-gc` would offer, made available at run time (jest's leak
 * detector does the same) so that no launcher needs the flag. V8 frees a dropped Buffer's memory only
 * when a major collection finds it unreachable, and a heap with little JavaScript garbage can go
 * minutes without one, so what a pass over a large fleet dropped (its inputs, quantiles and the
 * bytes of the forecasts it replaced) would stay resident.
 */
export const v8GarbageCollector: GarbageCollector = {
  collect(): number {
    if (!gc) {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    }
    const started = performance.now();
    gc();
    return performance.now() - started;
  },
};

/**
 * Collects `delayMs` after a request; requests meanwhile join it, so a burst of dropped bodies costs
 * one collection, and readers still sending the previous body have usually finished with it.
 */
export class DeferredCollection {
  private timer: NodeJS.Timeout | null = null;
  lastMs: number | null = null;
  runs = 0;

  constructor(
    private readonly collector: GarbageCollector,
    private readonly delayMs: number,
  ) {}

  request(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.lastMs = this.collector.collect();
      this.runs++;
    }, this.delayMs);
    this.timer.unref();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
