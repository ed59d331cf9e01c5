import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_LOAD_AVERAGE, PROFILES, SERVER_NAME_MAX_LENGTH, STATUSES } from '@tft/contracts';
import {
  ArrayMinSize,
  IsArray,
  IsIn,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  type ValidationArguments,
} from 'class-validator';
import type { ErrorDto } from '../../common/dto/error.dto';

/** ISO 8601 date-time; seconds, fraction and zone optional (no zone = UTC). */
export const ISO_8601 = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;
const FINITE = { allowNaN: false, allowInfinity: false };
const PROFILE_VALUES = [...PROFILES, 'unknown'];

/** Enough of a sent value to spot the mistake; a reason never carries a whole field back. */
const SHOWN_CHARS = 40;

/** A sent value as a reason quotes it: JSON (so control characters are escaped), cut short. */
export function shown(value: unknown): string {
  if (typeof value === 'number') return String(value); // JSON would print Infinity as null
  if (typeof value === 'string') {
    if (value.length <= SHOWN_CHARS) return JSON.stringify(value);
    return `${JSON.stringify(value.slice(0, SHOWN_CHARS))}... (${value.length} characters)`;
  }
  const json = JSON.stringify(value) ?? String(value);
  return json.length <= SHOWN_CHARS ? json : `${json.slice(0, SHOWN_CHARS)}...`;
}

/** One class-validator message for every rule of a field: the rule, then what was sent. */
const explained = (rule: string) => ({
  message: ({ property, value }: ValidationArguments) => `${property} ${rule} (got ${shown(value)})`,
});

const TIMESTAMP_RULE = explained('must be an ISO 8601 date-time such as 2026-11-28T12:00:00Z');
const SERVER_NAME_RULE = explained(`must be 1-${SERVER_NAME_MAX_LENGTH} letters, digits and . _ : - starting with a letter or digit`);
const PERCENT_RULE = explained('must be a number in 0..100');
const LOAD_RULE = explained(`must be a number in 0..${MAX_LOAD_AVERAGE}`);
const STATUS_RULE = explained('must be a lower-case word of 1-32 letters and underscores, such as healthy or heavy_load');
const PROFILE_RULE = explained(`must be one of: ${PROFILE_VALUES.join(', ')}`);

/** One metric sample: the seed's record, field names unchanged. */
export class FeedRecordDto {
  @ApiProperty({
    example: '2026-11-28T12:00:00Z',
    format: 'date-time',
    description:
      'ISO 8601 sample time. Seconds, fraction and zone may be left out (no zone is read as UTC). Samples older than the ' +
      "server's window or ahead of the api's clock are rejected; Swagger UI at /docs puts the current time in this example.",
  })
  @IsString(TIMESTAMP_RULE)
  @Matches(ISO_8601, TIMESTAMP_RULE)
  timestamp!: string;

  @ApiProperty({
    example: 'ppml0001',
    description: 'Unique server id: 1-128 letters, digits and . _ : - (starting with a letter or digit)',
    pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$',
  })
  @IsString(SERVER_NAME_RULE)
  @MaxLength(SERVER_NAME_MAX_LENGTH, SERVER_NAME_RULE)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, SERVER_NAME_RULE)
  server_name!: string;

  @ApiProperty({
    example: 45.2,
    minimum: 0,
    maximum: 100,
    description: 'CPU utilisation, %',
  })
  @IsNumber(FINITE, PERCENT_RULE)
  @Min(0, PERCENT_RULE)
  @Max(100, PERCENT_RULE)
  cpu_percent!: number;

  @ApiProperty({
    example: 62.1,
    minimum: 0,
    maximum: 100,
    description: 'Memory in use, %',
  })
  @IsNumber(FINITE, PERCENT_RULE)
  @Min(0, PERCENT_RULE)
  @Max(100, PERCENT_RULE)
  memory_percent!: number;

  @ApiProperty({
    example: 35.8,
    minimum: 0,
    maximum: 100,
    description: 'Disk space used, % (not I/O throughput)',
  })
  @IsNumber(FINITE, PERCENT_RULE)
  @Min(0, PERCENT_RULE)
  @Max(100, PERCENT_RULE)
  disk_percent!: number;

  @ApiProperty({
    example: 2.3,
    minimum: 0,
    maximum: MAX_LOAD_AVERAGE,
    description: '1-minute load average (runnable tasks)',
  })
  @IsNumber(FINITE, LOAD_RULE)
  @Min(0, LOAD_RULE)
  @Max(MAX_LOAD_AVERAGE, LOAD_RULE)
  load_average!: number;

  @ApiPropertyOptional({
    example: 'healthy',
    description: `Reported server state, informational. Known values: ${STATUSES.join(', ')}`,
    pattern: '^[a-z][a-z_]{0,31}$',
  })
  @IsOptional()
  @IsString(STATUS_RULE)
  @Matches(/^[a-z][a-z_]{0,31}$/, STATUS_RULE)
  status?: string;

  @ApiPropertyOptional({
    enum: PROFILE_VALUES,
    example: 'ml_compute',
    description: 'Server type; lets a new server get profile-aware forecasts',
  })
  @IsOptional()
  @IsIn(PROFILE_VALUES, PROFILE_RULE)
  profile?: string;
}

export const RECORD_FIELDS = Object.freeze([
  'timestamp',
  'server_name',
  'cpu_percent',
  'memory_percent',
  'disk_percent',
  'load_average',
  'status',
  'profile',
] as const);

export class FeedDataDto {
  @ApiProperty({
    type: [FeedRecordDto],
    description: 'Samples in any order; each is validated on its own',
  })
  @IsArray()
  @ArrayMinSize(1, { message: 'records must contain at least one record' })
  records!: unknown[];
}

export class RejectedRecordDto {
  @ApiProperty({
    type: 'integer',
    example: 1,
    description: 'Index of the record in the request',
  })
  index!: number;
  @ApiProperty({
    example: 'cpu_percent',
    description: 'Offending field, or "record" for the record as a whole',
  })
  field!: string;
  @ApiProperty({
    example: 'cpu_percent must be a number in 0..100 (got 101)',
    description: 'The rule the field breaks and the value sent (long values cut short)',
  })
  reason!: string;
}

export class FeedDataResponseDto {
  @ApiProperty({
    enum: ['success', 'partial'],
    example: 'success',
    description: '"partial" when some records were rejected',
  })
  status!: 'success' | 'partial';
  @ApiProperty({
    type: 'integer',
    example: 1,
    description: 'Records stored durably by this request',
  })
  records_added!: number;
  @ApiProperty({
    type: 'integer',
    example: 0,
    description: 'Records already stored (same server and second); ignored, not an error',
  })
  duplicates!: number;
  @ApiProperty({
    type: 'integer',
    example: 5760,
    description: 'Step buckets held across the fleet',
  })
  window_size!: number;
  @ApiProperty({
    type: 'integer',
    example: 25,
    description: 'Forecast ticks run so far',
  })
  tick!: number;
  @ApiProperty({
    type: [RejectedRecordDto],
    example: [],
    description: 'Records not stored, each with its index, field and reason',
  })
  rejected!: RejectedRecordDto[];
}

/** The 400 of POST /feed/data: an ErrorDto, plus the refused records when they were read. */
export class FeedDataErrorDto implements ErrorDto {
  @ApiProperty({
    type: 'integer',
    example: 400,
    description: 'The HTTP status, repeated',
  })
  statusCode!: number;
  @ApiProperty({
    example: 'Bad Request',
    description: 'The HTTP reason phrase of statusCode',
  })
  error!: string;
  @ApiProperty({
    example: 'records[0].cpu_percent: cpu_percent must be a number in 0..100 (got "abc")',
    description: 'The envelope problem, or the first reasons as records[index].field: reason',
  })
  message!: string;
  @ApiPropertyOptional({
    type: [RejectedRecordDto],
    description: 'Sent when the records were read and none was valid: every refused record with its field and reason',
  })
  rejected?: RejectedRecordDto[];
}
