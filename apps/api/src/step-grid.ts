/**
 * The time grid every part of the api works on: the model's steps, horizon and encoder lengths, from its
 * metadata (or the shipped model's without one). A root-level token, so that the windows and warm-up,
 * which feed the model, take the grid without importing the model's module.
 */
export interface StepGrid {
  stepSeconds: number;
  horizon: number;
  minEncoderLength: number;
  maxEncoderLength: number;
}

export const STEP_GRID = Symbol('STEP_GRID');

/** Used when no model metadata is available: the shipped model's grid. */
export const DEFAULT_GRID: StepGrid = {
  stepSeconds: 300,
  horizon: 96,
  minEncoderLength: 12,
  maxEncoderLength: 288,
};
