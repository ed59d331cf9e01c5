/**
 * One server's closed step as a window commit stored it: a step that just closed (the server's next
 * step began) or a closed one a late sample changed. What the archive keeps of the window.
 */
export interface ClosedStep {
  server: string;
  profile: string | null;
  /** Start of the step (epoch s). */
  start: number;
  /** Per metric (METRICS order), the mean of the step's samples; NaN where the step holds none of that metric. */
  means: Float64Array;
}
