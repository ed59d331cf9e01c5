import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '@tft/contracts';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { FORECAST_CENSUS, type ForecastCensus } from './forecast-census';
import { WindowService } from '../window/window.service';

/** The limit that refused a new server, as /metrics labels it. */
export type ServerLimit = 'max_servers' | 'new_servers_rate';

/** A new server's sample refused by a cardinality limit; `reason` names the limit and its setting. */
export interface ServerRefusal {
  index: number;
  server: string;
  limit: ServerLimit;
  reason: string;
}

export interface Admission<T> {
  admitted: T[];
  refused: ServerRefusal[];
}

/** What /status shows of the limits. */
export interface ServerLimitsStatus {
  servers: number;
  max_servers: number;
  max_new_servers_per_minute: number;
}

/** Clients whose new-server budget is remembered; the least recently seen is forgotten beyond it. */
const CLIENTS_KEPT = 10_000;
/** Names admitted in cluster mode that are kept until forecast: far more than a pass admits. */
const ADMITTED_KEPT = 100_000;

/**
 * Cardinality limits on every write path, as Prometheus' `sample_limit` and Mimir's
 * `max_global_series_per_user` bound theirs: at most MAX_SERVERS servers held (when full, the longest
 * silent stale server is retired early to make room), and at most MAX_NEW_SERVERS_PER_MINUTE new
 * servers per client (a token bucket that refills over a minute). Samples of servers already held are
 * never refused here, so a flood of new names cannot push the existing fleet out.
 *
 * In cluster mode the receiving replica counts the fleet it sees: its own windows and every replica's
 * forecasts, plus the names it admitted itself until they are forecast. A server another replica
 * admitted less than a pass ago is not counted yet, so the replicas together can overshoot MAX_SERVERS by
 * what they admit within one pass.
 */
@Injectable()
export class ServerLimits {
  /** Per client: new servers it may still add, and when that was computed (wall ms). */
  private readonly budgets = new Map<string, { tokens: number; at: number }>();
  /** Names admitted here that the census may not show yet (cluster mode: until an owner forecasts them). */
  private readonly admittedRecently = new Set<string>();

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly windows: WindowService,
    @Inject(FORECAST_CENSUS) private readonly forecasts: ForecastCensus,
  ) {}

  /** The servers held, against MAX_SERVERS. */
  held(): number {
    return Math.max(this.windows.size, this.forecasts.size);
  }

  status(): ServerLimitsStatus {
    return {
      servers: this.held(),
      max_servers: this.config.maxServers,
      max_new_servers_per_minute: this.config.maxNewServersPerMinute,
    };
  }

  /**
   * Splits a request's samples into those the limits let through and the refused ones, one refusal per
   * sample. `client` is who sent them: a hash of its API key, else its address.
   */
  admit<T extends { index: number; server: string }>(samples: readonly T[], client: string): Admission<T> {
    const fresh = new Set<string>();
    for (const s of samples) if (!this.known(s.server)) fresh.add(s.server);
    if (fresh.size === 0) return { admitted: [...samples], refused: [] };

    const { maxServers, maxNewServersPerMinute } = this.config;
    const room = maxServers - this.held();
    if (fresh.size > room) this.windows.retireStale(fresh.size - room);
    let free = maxServers - this.held();
    const budget = this.budget(client);
    const verdicts = new Map<string, ServerLimit | null>();
    for (const name of fresh) {
      let verdict: ServerLimit | null = null;
      if (free <= 0) verdict = 'max_servers';
      else if (maxNewServersPerMinute > 0 && budget.tokens < 1) verdict = 'new_servers_rate';
      else {
        free--;
        budget.tokens--;
        if (this.config.natsUrl) this.remember(name);
      }
      verdicts.set(name, verdict);
    }

    const admitted: T[] = [];
    const refused: ServerRefusal[] = [];
    for (const s of samples) {
      const limit = verdicts.get(s.server);
      if (!limit) admitted.push(s);
      else refused.push({ index: s.index, server: s.server, limit, reason: this.reason(limit) });
    }
    return { admitted, refused };
  }

  private known(server: string): boolean {
    return this.windows.get(server) !== undefined || this.forecasts.has(server) || this.admittedRecently.has(server);
  }

  /** In cluster mode the owner's forecast makes a name known within a pass; until then this set does (oldest out first). */
  private remember(name: string): void {
    this.admittedRecently.add(name);
    if (this.admittedRecently.size > ADMITTED_KEPT) this.admittedRecently.delete(this.admittedRecently.values().next().value as string);
  }

  /** The client's token bucket, refilled for the time since it was last used. */
  private budget(client: string): { tokens: number; at: number } {
    const perMinute = this.config.maxNewServersPerMinute;
    const now = this.clock.now();
    const kept = this.budgets.get(client);
    const budget = kept ?? { tokens: perMinute, at: now };
    budget.tokens = Math.min(perMinute, budget.tokens + ((now - budget.at) / 60_000) * perMinute);
    budget.at = now;
    // Map order is insertion order: re-inserting keeps the most recent clients last
    this.budgets.delete(client);
    this.budgets.set(client, budget);
    if (this.budgets.size > CLIENTS_KEPT) this.budgets.delete(this.budgets.keys().next().value as string);
    return budget;
  }

  private reason(limit: ServerLimit): string {
    return limit === 'max_servers'
      ? `a new server, and the api already holds MAX_SERVERS=${this.config.maxServers} servers with none stale to make room; ` +
          'samples of the servers it holds are still accepted'
      : `a new server, and this client already added MAX_NEW_SERVERS_PER_MINUTE=${this.config.maxNewServersPerMinute} servers ` +
          'in the last minute; send it again later (a forwarder that puts pod or request ids into host names creates a server for each)';
  }
}
