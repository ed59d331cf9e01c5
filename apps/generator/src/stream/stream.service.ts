import { Inject, Injectable, Logger } from '@nestjs/common';
import type { MetricRecord } from '@tft/contracts';
import { isoSeconds, round3 } from '@tft/forecasting';
import { GENERATOR_CONFIG, type GeneratorConfig } from '../config/generator-config';
import { CLOCK, type Clock } from '@tft/contracts';
import type { FleetSample } from '../fleet/fleet-model';
import { FleetService } from '../fleet/fleet.service';
import type { StreamStatusDto } from './dto/stream-status.dto';
import { FEED_SINK, FeedError, type FeedSink } from './feed-sink';

const MAX_BACKOFF_MS = 30_000;
/** How long the stream waits for the api to say where its data ends before starting from the wall clock. */
const RESUME_WAIT_MS = 30_000;

export function toRecord(s: FleetSample): MetricRecord {
  return {
    timestamp: isoSeconds(s.time),
    server_name: s.server.name,
    cpu_percent: round3(s.cpu_percent),
    memory_percent: round3(s.memory_percent),
    disk_percent: round3(s.disk_percent),
    load_average: round3(s.load_average),
    status: s.state,
    profile: s.server.profile,
  };
}

/**
 * Streams the fleet to the api. Each tick samples up to the simulated now (the backfill first, paced
 * so it never floods the buffer) and posts batches in order. While the api is down records wait in a
 * bounded buffer (oldest dropped beyond it) and delivery retries with exponential backoff; each outage
 * and each recovery is logged once.
 */
@Injectable()
export class StreamService {
  private readonly logger = new Logger('Stream');
  private buffer: MetricRecord[] = [];
  /** Next simulated time to sample; null until the api said where its stored data ends. */
  private cursor: number | null = null;
  private readonly createdAt: number;
  private resumeWarned = false;
  private delivered = 0;
  private dropped = 0;
  private rejected = 0;
  private reachable = true;
  private outageStartedAt = 0;
  private backoffMs = 0;
  private retryAt = 0;
  private busy = false;
  /** One warning per overflow episode; reset once the buffer drains. */
  private overflowWarned = false;
  /** Refusals are logged once until a batch is accepted again, not once per batch. */
  private refusalLogged = false;

  constructor(
    @Inject(GENERATOR_CONFIG) private readonly config: GeneratorConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(FEED_SINK) private readonly sink: FeedSink,
    private readonly fleet: FleetService,
  ) {
    this.createdAt = clock.now();
  }

  /** One stream tick: generate what is due, then deliver what the api will take. */
  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      if (this.cursor === null && !(await this.resume())) return;
      this.generate();
      await this.deliver();
    } finally {
      this.busy = false;
    }
  }

  /**
   * Starts after what the api already holds: a backfill only fills the time the api has no data for,
   * and if its data ends after the wall clock (an earlier accelerated run) the simulated clock continues
   * from there. Returns false while the api cannot be asked yet.
   */
  private async resume(): Promise<boolean> {
    let storedUntil: number | null = null;
    try {
      storedUntil = await this.sink.storedUntil();
    } catch (err) {
      if (this.clock.now() - this.createdAt < RESUME_WAIT_MS) {
        if (!this.resumeWarned) {
          this.resumeWarned = true;
          this.logger.warn(`${(err as Error).message}; waiting up to ${RESUME_WAIT_MS / 1000} s to learn where its data ends`);
        }
        return false;
      }
      this.logger.warn(`could not learn where the api's data ends (${(err as Error).message}); starting from the wall clock`);
    }
    const { backfillSeconds, backfillSampleSeconds } = this.config;
    if (storedUntil !== null) {
      this.fleet.resumeAfter(storedUntil);
      const ahead = storedUntil - this.clock.now() / 1000;
      this.logger.log(
        `the api holds data until ${isoSeconds(Math.floor(storedUntil))}` +
          (ahead > 0 ? ` (${(ahead / 3600).toFixed(1)} h ahead of the wall clock): continuing from there` : ''),
      );
    }
    const live = this.fleet.liveOrigin;
    let cursor = Math.floor((live - backfillSeconds) / backfillSampleSeconds) * backfillSampleSeconds;
    if (storedUntil !== null) {
      const afterStored = (Math.floor(storedUntil / backfillSampleSeconds) + 1) * backfillSampleSeconds;
      cursor = Math.max(cursor, afterStored);
    }
    this.cursor = backfillSeconds === 0 ? live : Math.min(cursor, live);
    return true;
  }

  status(): StreamStatusDto {
    return {
      target: this.sink.target,
      api_reachable: this.reachable,
      delivered_records: this.delivered,
      buffered_records: this.buffer.length,
      dropped_records: this.dropped,
      rejected_records: this.rejected,
      backfill_done: this.cursor !== null && this.cursor >= this.fleet.liveOrigin,
      simulated_time: isoSeconds(Math.floor(this.fleet.simNow())),
      speed: this.config.speed,
    };
  }

  private generate(): void {
    if (this.cursor === null) return;
    const { sampleSeconds, backfillSampleSeconds, batchSize } = this.config;
    const now = this.fleet.simNow();
    // Backfill is generated a few batches at a time so it never outruns delivery.
    while (this.cursor < this.fleet.liveOrigin && this.buffer.length < 4 * batchSize) {
      this.push(this.fleet.sampleAt(this.cursor));
      this.cursor += backfillSampleSeconds;
    }
    if (this.cursor < this.fleet.liveOrigin) return;
    while (this.cursor <= now) {
      this.push(this.fleet.sampleAt(this.cursor));
      this.cursor += sampleSeconds;
    }
  }

  private push(samples: FleetSample[]): void {
    for (const s of samples) this.buffer.push(toRecord(s));
    const excess = this.buffer.length - this.config.maxBufferedRecords;
    if (excess > 0) {
      if (!this.overflowWarned) {
        this.overflowWarned = true;
        this.logger.warn(`buffer full (${this.config.maxBufferedRecords} records): dropping the oldest`);
      }
      this.buffer.splice(0, excess);
      this.dropped += excess;
    }
  }

  private async deliver(): Promise<void> {
    const now = this.clock.now();
    if (now < this.retryAt) return;
    while (this.buffer.length > 0) {
      const batch = this.buffer.slice(0, this.config.batchSize);
      let refused: string[];
      try {
        refused = await this.sink.send(batch, this.fleet.clockOffsetSeconds());
      } catch (err) {
        if (err instanceof FeedError && !err.retry) {
          this.logger.error(`${this.sink.target} refused ${batch.length} records, dropping them: ${err.message}`);
          this.buffer.splice(0, batch.length);
          this.rejected += batch.length;
          continue;
        }
        this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs ? this.backoffMs * 2 : 1000);
        this.retryAt = this.clock.now() + this.backoffMs;
        if (this.reachable) {
          this.reachable = false;
          this.outageStartedAt = now;
          this.logger.warn(
            `${this.sink.target}: ${(err as Error).message}; buffering up to ${this.config.maxBufferedRecords} records and retrying with backoff`,
          );
        }
        return;
      }
      this.buffer.splice(0, batch.length);
      this.delivered += batch.length - refused.length;
      this.rejected += refused.length;
      this.backoffMs = 0;
      if (refused.length && !this.refusalLogged) {
        this.refusalLogged = true;
        this.logger.warn(
          `${this.sink.target} refused ${refused.length} of ${batch.length} records (${refused[0]}); ` +
            'logged once until a batch is accepted whole',
        );
      } else if (!refused.length) this.refusalLogged = false;
      if (this.buffer.length === 0) this.overflowWarned = false;
      if (!this.reachable) {
        this.reachable = true;
        const down = Math.round((this.clock.now() - this.outageStartedAt) / 1000);
        this.logger.log(`${this.sink.target} reachable again after ${down} s; delivering the buffer`);
      }
    }
  }
}
