import { BadRequestException, Inject, Injectable, PayloadTooLargeException } from '@nestjs/common';
import { RetryLaterException } from '../common/retry-later.exception';
import { validateSync } from 'class-validator';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { LatestPass } from '../snapshot/latest-pass';
import { ApiMetrics } from '../metrics/api-metrics';
import { SAMPLE_SINK, type SampleSink } from '../window/sample-sink';
import { StoreWriteError, WindowService, type AcceptedSample } from '../window/window.service';
import { CLOCK, CLOCK_OFFSET_HEADER, MAX_CLOCK_OFFSET_SECONDS, PROFILES, SERVER_NAME_PATTERN, type Clock } from '@tft/contracts';
import { isoSeconds } from '@tft/forecasting';
import { ServerLimits } from './server-limits';
import { FeedRecordDto, ISO_8601, RECORD_FIELDS, shown, type FeedDataResponseDto, type RejectedRecordDto } from './dto/feed-data.dto';

/** Timestamps outside this range are typos or garbage, not monitoring data. */
const MIN_TIME = Date.UTC(2000, 0, 1) / 1000;
const MAX_TIME = Date.UTC(2100, 0, 1) / 1000;

/** Why a sample's time (epoch s) is refused, or null: outside 2000..2100, or past `latest` (see IngestService.ingest). */
export function sampleTimeProblem(time: number, latest: number, maxFutureSkewSeconds: number): string | null {
  if (!Number.isFinite(time) || time < MIN_TIME || time >= MAX_TIME) return 'must be a real date between 2000 and 2100';
  if (time <= latest) return null;
  const clock = latest - maxFutureSkewSeconds; // the wall clock plus the sender's declared offset
  return (
    `${isoSeconds(time)} is ${Math.round(time - clock)} s ahead of the api's clock ` +
    `(${isoSeconds(Math.floor(clock))}, with the sender's declared offset); at most MAX_FUTURE_SKEW=${maxFutureSkewSeconds} s ahead ` +
    `is accepted (a sender whose clock runs ahead on purpose declares it with the ${CLOCK_OFFSET_HEADER} header)`
  );
}

export interface IngestOutcome {
  added: number;
  duplicates: number;
  rejected: RejectedRecordDto[];
}

export class TooManyRecordsError extends Error {}
/** A bad CLOCK_OFFSET_HEADER: the whole request is refused (400), whichever write route it came to. */
export class InvalidClockOffsetError extends BadRequestException {}

/** The envelope rules FeedDataDto documents: an object with a non-empty `records` array and nothing else. */
function feedRecords(body: unknown): unknown[] {
  const problems: string[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    problems.push('body must be a JSON object with a records array');
  } else {
    for (const key of Object.keys(body)) if (key !== 'records') problems.push(`property ${key} should not exist`);
    const records = (body as { records?: unknown }).records;
    if (!Array.isArray(records)) problems.push('records must be an array');
    else if (records.length === 0) problems.push('records must contain at least one record');
    if (!problems.length) return records as unknown[];
  }
  throw new BadRequestException(problems.join('; '));
}

/** Type errors explain a failure better than the range checks that fail along with them. */
const CONSTRAINT_PRIORITY = ['isString', 'isNumber', 'isIn', 'matches', 'maxLength', 'min', 'max'];

function mainReason(constraints: Record<string, string> | undefined): string | undefined {
  if (!constraints) return undefined;
  const key = CONSTRAINT_PRIORITY.find((k) => k in constraints) ?? Object.keys(constraints)[0];
  return constraints[key];
}

/** Rejections a 400's message spells out; `rejected` always lists them all. */
const MESSAGE_REJECTIONS = 10;

/** The 400's message when no record of a request was valid: the first reasons, each with its record. */
export function rejectionMessage(rejected: readonly RejectedRecordDto[]): string {
  const lines = rejected.slice(0, MESSAGE_REJECTIONS).map((r) => `records[${r.index}].${r.field}: ${r.reason}`);
  const more = rejected.length - lines.length;
  return lines.join('; ') + (more > 0 ? `; and ${more} more in rejected` : '');
}

const STATUS_PATTERN = /^[a-z][a-z_]{0,31}$/;
const PROFILE_VALUES = new Set<string>([...PROFILES, 'unknown']);
const inRange = (v: unknown, max: number): v is number => typeof v === 'number' && v >= 0 && v <= max;
const RECORD_FIELD_SET = new Set<string>(RECORD_FIELDS);

/**
 * The common case in one pass: a record that satisfies every FeedRecordDto rule. It is never more
 * lenient than the DTO (a property test holds it to that); whatever it does not accept goes through
 * class-validator, which names each offending field. class-transformer plus class-validator on every
 * record dominated ingest CPU profiles; this check hardly shows in them.
 */
export function isPlainValidRecord(r: Record<string, unknown>): boolean {
  for (const key in r) if (!RECORD_FIELD_SET.has(key)) return false;
  const { timestamp, server_name, status, profile } = r;
  return (
    typeof timestamp === 'string' &&
    ISO_8601.test(timestamp) &&
    typeof server_name === 'string' &&
    SERVER_NAME_PATTERN.test(server_name) &&
    inRange(r['cpu_percent'], 100) &&
    inRange(r['memory_percent'], 100) &&
    inRange(r['disk_percent'], 100) &&
    inRange(r['load_average'], 100_000) &&
    (status == null || (typeof status === 'string' && STATUS_PATTERN.test(status))) &&
    (profile == null || (typeof profile === 'string' && PROFILE_VALUES.has(profile)))
  );
}

/** Parses an ISO 8601 timestamp that already matched the DTO pattern; no zone means UTC. */
export function parseTimestamp(text: string): number {
  const iso = text.replace(' ', 'T');
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(iso) ? iso : `${iso}Z`;
  return Date.parse(zoned) / 1000;
}

/**
 * Validates each record on its own and stores the valid ones: a bad record is reported by index,
 * field and reason, and never costs the good records next to it their place.
 */
@Injectable()
export class IngestService {
  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly windows: WindowService,
    @Inject(SAMPLE_SINK) private readonly sink: SampleSink,
    private readonly passes: LatestPass,
    private readonly metrics: ApiMetrics,
    private readonly limits: ServerLimits,
  ) {}

  /**
   * POST /feed/data: the envelope, the records, and the answer. 400 when no record is valid, 413 past
   * MAX_RECORDS_PER_REQUEST, 503 when the store could not write (nothing acknowledged). `client` is who
   * sent it (see ServerLimits).
   */
  async feed(body: unknown, clockOffsetHeader: string | undefined, client: string): Promise<FeedDataResponseDto> {
    let outcome: IngestOutcome;
    try {
      outcome = await this.ingest(feedRecords(body), IngestService.clockOffset(clockOffsetHeader), client);
    } catch (err) {
      if (err instanceof TooManyRecordsError) throw new PayloadTooLargeException(err.message);
      if (err instanceof StoreWriteError) throw new RetryLaterException(err.message);
      throw err;
    }
    const { added, duplicates, rejected } = outcome;
    if (rejected.length && added === 0 && duplicates === 0) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: rejectionMessage(rejected),
        rejected,
      });
    }
    return {
      status: rejected.length ? 'partial' : 'success',
      records_added: added,
      duplicates,
      window_size: this.windows.bucketCount(),
      tick: this.passes.stats.count,
      rejected,
    };
  }

  /**
   * `clockOffsetSeconds` is what the sender declared with CLOCK_OFFSET_HEADER: how far its clock
   * deliberately runs ahead of the wall clock. Samples later than the wall clock plus that offset plus
   * MAX_FUTURE_SKEW are refused, so one sample from a forwarder with a wrong clock can neither evict a
   * server's history nor lock it out.
   */
  async ingest(records: unknown[], clockOffsetSeconds = 0, client = 'local'): Promise<IngestOutcome> {
    if (records.length > this.config.maxRecordsPerRequest) {
      throw new TooManyRecordsError(
        `a request may carry at most ${this.config.maxRecordsPerRequest} records (got ${records.length}); split the batch`,
      );
    }
    const rejected: RejectedRecordDto[] = [];
    const accepted: AcceptedSample[] = [];
    const latest = this.clock.now() / 1000 + clockOffsetSeconds + this.config.maxFutureSkewSeconds;
    records.forEach((raw, index) => {
      const checked = this.check(raw, index, latest);
      if (Array.isArray(checked)) rejected.push(...checked);
      else accepted.push(checked);
    });
    const { admitted, refused } = this.limits.admit(accepted, client);
    for (const r of refused) {
      rejected.push({ index: r.index, field: 'server_name', reason: `${r.reason} (got ${shown(r.server)})` });
      this.metrics.countSamples('/feed/data', r.limit, 1);
    }
    const applied = await this.sink.apply(admitted);
    for (const index of applied.tooOld) {
      rejected.push({
        index,
        field: 'timestamp',
        reason: `timestamp is older than the ${this.windows.retentionSteps}-step window kept for this server (got ${shown((records[index] as FeedRecordDto).timestamp)})`,
      });
    }
    rejected.sort((a, b) => a.index - b.index);
    this.metrics.countSamples('/feed/data', 'stored', applied.added);
    this.metrics.countSamples('/feed/data', 'duplicate', applied.duplicates.length);
    this.metrics.countSamples('/feed/data', 'too_old', applied.tooOld.length);
    this.metrics.countSamples(
      '/feed/data',
      'rejected',
      new Set(rejected.map((r) => r.index)).size - applied.tooOld.length - refused.length,
    );
    return {
      added: applied.added,
      duplicates: applied.duplicates.length,
      rejected,
    };
  }

  /** The sample, or one rejection per offending field. */
  private check(raw: unknown, index: number, latest: number): AcceptedSample | RejectedRecordDto[] {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      return [
        {
          index,
          field: 'record',
          reason: `record must be a JSON object (got ${shown(raw)})`,
        },
      ];
    }
    const source = raw as Record<string, unknown>;
    const dto = isPlainValidRecord(source) ? (source as unknown as FeedRecordDto) : this.validated(source);
    if (Array.isArray(dto)) return dto.map((r) => ({ ...r, index }));
    const time = parseTimestamp(dto.timestamp);
    const problem = sampleTimeProblem(time, latest, this.config.maxFutureSkewSeconds);
    if (problem) {
      return [
        {
          index,
          field: 'timestamp',
          reason: time > latest ? `timestamp ${problem}` : `timestamp ${problem} (got ${shown(dto.timestamp)})`,
        },
      ];
    }
    return {
      index,
      server: dto.server_name,
      profile: dto.profile && dto.profile !== 'unknown' ? dto.profile : null,
      time,
      values: [dto.cpu_percent, dto.memory_percent, dto.disk_percent, dto.load_average],
    };
  }

  /** The sender's declared clock offset from CLOCK_OFFSET_HEADER; absent = 0. */
  static clockOffset(header: string | string[] | undefined): number {
    if (header === undefined) return 0;
    const raw = Array.isArray(header) ? header[0] : header;
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || value > MAX_CLOCK_OFFSET_SECONDS) {
      throw new InvalidClockOffsetError(
        `${CLOCK_OFFSET_HEADER} must be a number of seconds in 0..${MAX_CLOCK_OFFSET_SECONDS} (got "${raw.slice(0, 40)}")`,
      );
    }
    return value;
  }

  /** class-validator on a copy of the contract fields: the DTO, or one rejection per offending field. */
  private validated(source: Record<string, unknown>): FeedRecordDto | Omit<RejectedRecordDto, 'index'>[] {
    // only contract fields reach the DTO: unknown keys (including __proto__) are dropped here
    const dto = new FeedRecordDto();
    for (const field of RECORD_FIELDS) {
      if (Object.prototype.hasOwnProperty.call(source, field)) (dto as unknown as Record<string, unknown>)[field] = source[field];
    }
    const errors = validateSync(dto);
    if (!errors.length) return dto;
    return errors.map(({ property, constraints }) => ({
      field: property,
      reason: source[property] === undefined ? `${property} is required` : (mainReason(constraints) ?? `${property} is invalid`),
    }));
  }
}
