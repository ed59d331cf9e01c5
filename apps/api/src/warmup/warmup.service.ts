import { Inject, Injectable } from '@nestjs/common';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { MODEL_RUNTIME, type ModelRuntime } from '../model/model-provider';
import type { ServerWindow } from '../window/server-window';

export interface ServerWarmup {
  is_warmed_up: boolean;
  /** Closed steps with data within the model's context. */
  steps: number;
  threshold: number;
  progress_percent: number;
}

/**
 * Readiness for the TFT: a server is warm once it has `threshold` closed steps with data inside the
 * model's context (the model's min encoder length, or WARMUP_STEPS). Before that it gets the heuristic.
 */
@Injectable()
export class WarmupService {
  readonly threshold: number;
  private readonly context: number;

  constructor(
    @Inject(API_CONFIG) config: ApiConfig,
    @Inject(MODEL_RUNTIME) private readonly runtime: ModelRuntime,
  ) {
    this.threshold = config.warmupSteps ?? runtime.grid.minEncoderLength;
    this.context = runtime.grid.maxEncoderLength;
  }

  /** Whether the TFT can serve servers at all (a model is loaded). */
  get modelAvailable(): boolean {
    return this.runtime.tft !== null;
  }

  of(window: ServerWindow): ServerWarmup {
    const steps = window.closedBucketsWithin(this.context);
    return {
      is_warmed_up: this.modelAvailable && steps >= this.threshold,
      steps,
      threshold: this.threshold,
      progress_percent: Math.min(100, Math.round((100 * steps) / this.threshold)),
    };
  }

  message(warm: number, total: number): string {
    if (!this.modelAvailable) return `No TFT model loaded - heuristic forecasts for all ${total} servers`;
    if (total === 0) return 'Waiting for data - POST /feed/data';
    if (warm === total) return 'Model ready - using TFT predictions';
    const minutes = Math.round((this.threshold * this.runtime.grid.stepSeconds) / 60);
    return `Warming up: ${warm}/${total} servers ready; a server needs ${this.threshold} steps (${minutes} min) of data`;
  }
}
