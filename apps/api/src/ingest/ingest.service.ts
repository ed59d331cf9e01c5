import { Inject, Injectable } from '@nestjs/common';
import { validateSync } from 'class-validator';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { WindowService, type AcceptedSample } from '../window/window.service';
import { FeedRecordDto, RECORD_FIELDS, type RejectedRecordDto } from './dto/feed-data.dto';

/** Timestamps outside this range are typos or garbage, not monitoring data. */
const MIN_TIME = Date.UTC(2000, 0, 1) / 1000;
const MAX_TIME = Date.UTC(2100, 0, 1) / 1000;

export interface IngestOutcome {
  added: number;
  duplicates: number;
  rejected: RejectedRecordDto[];
}

export class TooManyRecordsError extends Error {}

/** Type errors explain a failure better than the range checks that fail along with them. */
const CONSTRAINT_PRIORITY = ['isString', 'isNumber', 'isIn', 'matches', 'maxLength', 'min', 'max'];

function mainReason(constraints: Record<string, string> | undefined): string | undefined {
  if (!constraints) return undefined;
  const key = CONSTRAINT_PRIORITY.find((k) => k in constraints) ?? Object.keys(constraints)[0];
  return constraints[key];
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
    private readonly windows: WindowService,
  ) {}

  ingest(records: unknown[]): IngestOutcome {
    if (records.length > this.config.maxRecordsPerRequest) {
      throw new TooManyRecordsError(
        `a request may carry at most ${this.config.maxRecordsPerRequest} records (got ${records.length}); split the batch`,
      );
    }
    const rejected: RejectedRecordDto[] = [];
    const accepted: AcceptedSample[] = [];
    records.forEach((raw, index) => {
      const checked = this.check(raw, index);
      if (Array.isArray(checked)) rejected.push(...checked);
      else accepted.push(checked);
    });
    const applied = this.windows.apply(accepted);
    for (const index of applied.tooOld) {
      rejected.push({
        index,
        field: 'timestamp',
        reason: `timestamp is older than the ${this.windows.retentionSteps}-step window kept for this server`,
      });
    }
    rejected.sort((a, b) => a.index - b.index);
    return { added: applied.added, duplicates: applied.duplicates.length, rejected };
  }

  /** The sample, or one rejection per offending field. */
  private check(raw: unknown, index: number): AcceptedSample | RejectedRecordDto[] {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      return [{ index, field: 'record', reason: 'record must be a JSON object' }];
    }
    // Copy only contract fields onto a fresh DTO: unknown keys (including __proto__) never reach it.
    const dto = new FeedRecordDto();
    const source = raw as Record<string, unknown>;
    for (const field of RECORD_FIELDS) {
      if (Object.prototype.hasOwnProperty.call(source, field)) (dto as unknown as Record<string, unknown>)[field] = source[field];
    }
    const errors = validateSync(dto);
    if (errors.length) {
      return errors.map(({ property, constraints }) => ({
        index,
        field: property,
        reason:
          source[property] === undefined
            ? `${property} is required`
            : mainReason(constraints) ?? `${property} is invalid`,
      }));
    }
    const time = parseTimestamp(dto.timestamp);
    if (!Number.isFinite(time) || time < MIN_TIME || time >= MAX_TIME) {
      return [{ index, field: 'timestamp', reason: 'timestamp must be a real date between 2000 and 2100' }];
    }
    return {
      index,
      server: dto.server_name,
      profile: dto.profile && dto.profile !== 'unknown' ? dto.profile : null,
      time,
      values: [dto.cpu_percent, dto.memory_percent, dto.disk_percent, dto.load_average],
    };
  }
}
