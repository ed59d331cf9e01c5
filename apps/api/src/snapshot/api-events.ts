import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import type { ClosedStep } from './closed-step';
import type { FleetPublished } from './fleet-published';
import type { ForecastSnapshot } from './forecast-snapshot';

/** The api's events and what each carries. */
export interface ApiEventMap {
  /** A forecast pass (or a retirement) published what it changed. */
  'forecast.snapshot': [snapshot: ForecastSnapshot];
  /** The read model made a snapshot (and the other replicas' entries) visible: its projections refresh. */
  'fleet.published': [published: FleetPublished];
  /** A commit closed a step or changed a closed one: forecasts are due. */
  'window.steps-closed': [];
  /**
   * The closed steps a commit stored: new ones and closed ones a late sample changed. Emitted only
   * while someone listens (the archive), since collecting them costs the commit a pass over its writes.
   */
  'window.closed-steps-stored': [steps: readonly ClosedStep[]];
  /** Servers retired with their data (silent for RETIRE_AFTER, or making room under MAX_SERVERS). */
  'window.retired': [servers: readonly string[]];
  /** SIGTERM/SIGINT: the HTTP server stops; long-lived responses (event streams) must end. */
  'app.stopping': [];
  /** The served model changed (a reload here, or one another replica relayed): from `previous` to `version`. */
  'model.swapped': [swap: { version: string; previous: string | null; relayed: boolean }];
}

/**
 * Typed events between modules (immich's EventRepository is the pattern): a module that produces
 * something emits it here, and the modules that read it subscribe, so neither imports the other.
 * Handlers run synchronously in subscription order, as node's EventEmitter calls them.
 */
@Injectable()
export class ApiEvents {
  private readonly emitter = new EventEmitter();

  emit<E extends keyof ApiEventMap>(event: E, ...args: ApiEventMap[E]): void {
    this.emitter.emit(event, ...args);
  }

  on<E extends keyof ApiEventMap>(event: E, handler: (...args: ApiEventMap[E]) => void): void {
    this.emitter.on(event, handler as (...args: unknown[]) => void);
  }

  /** Whether anything subscribed to `event`: a producer may skip building a payload nobody reads. */
  listens(event: keyof ApiEventMap): boolean {
    return this.emitter.listenerCount(event) > 0;
  }
}
