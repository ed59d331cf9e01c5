/** The api's defaults (ALERT_FOR, ALERT_RESOLVE_AFTER): what the replays measure unless told otherwise. */
export const DEFAULT_ALERT_FOR_SECONDS = 600;
export const DEFAULT_ALERT_RESOLVE_AFTER_SECONDS = 900;

export interface LifecycleTiming {
  /** A condition must hold this long before it fires (Prometheus' `for:`). */
  forSeconds: number;
  /** A firing alert resolves once its condition has been clear this long. */
  resolveAfterSeconds: number;
}

/** What one observation did to its alert. */
export type Transition = 'clear' | 'pending' | 'fired' | 'firing' | 'resolved';

/** One key's hysteresis: what moves with a server when another process takes it over. */
export interface LifecycleState {
  /** When the condition was first seen (the alert's first_seen). */
  since: number;
  firing: boolean;
  /** While firing: since when the condition has been clear, or null. */
  clearSince: number | null;
}

/**
 * Hysteresis of predicted-breach alerts, one state per key (server and metric), as Prometheus rules
 * and Alertmanager have it: a condition fires once it has held for `forSeconds`, stays one alert
 * while it holds, and resolves once it has been clear for `resolveAfterSeconds`. The api's alerts and
 * the alert-quality replay both run it, so what is measured is what ships.
 */
export class AlertLifecycle {
  private readonly states = new Map<string, LifecycleState>();

  constructor(private readonly timing: LifecycleTiming) {}

  /**
   * Records whether the condition of `key` holds at `now` (seconds, increasing per key). `since` is
   * when the condition was first seen, for a pending or firing alert.
   */
  observe(key: string, holds: boolean, now: number): { transition: Transition; since: number | null } {
    const state = this.states.get(key);
    if (!holds) {
      if (!state) return { transition: 'clear', since: null };
      if (!state.firing) {
        this.states.delete(key);
        return { transition: 'clear', since: null };
      }
      state.clearSince ??= now;
      if (now - state.clearSince < this.timing.resolveAfterSeconds) return { transition: 'firing', since: state.since };
      this.states.delete(key);
      return { transition: 'resolved', since: state.since };
    }
    if (!state) {
      const fresh = { since: now, firing: this.timing.forSeconds <= 0, clearSince: null };
      this.states.set(key, fresh);
      return { transition: fresh.firing ? 'fired' : 'pending', since: now };
    }
    state.clearSince = null;
    if (state.firing) return { transition: 'firing', since: state.since };
    if (now - state.since < this.timing.forSeconds) return { transition: 'pending', since: state.since };
    state.firing = true;
    return { transition: 'fired', since: state.since };
  }

  /** A copy of a key's state, or undefined when its condition is clear. */
  state(key: string): LifecycleState | undefined {
    const state = this.states.get(key);
    return state && { ...state };
  }

  /** Continues a key from a state another process had: the alert goes on as one, with its first_seen. */
  restore(key: string, state: LifecycleState): void {
    this.states.set(key, { ...state });
  }

  isFiring(key: string): boolean {
    return this.states.get(key)?.firing ?? false;
  }

  /** Drops a key's state; returns whether it was firing (the caller resolves it). */
  drop(key: string): boolean {
    const state = this.states.get(key);
    this.states.delete(key);
    return state?.firing ?? false;
  }

  keys(): IterableIterator<string> {
    return this.states.keys();
  }
}
