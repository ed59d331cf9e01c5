import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PROFILES, SERVER_NAME_MAX_LENGTH, STATUSES } from '@tft/contracts';
import { ArrayMinSize, IsArray, IsIn, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

/** ISO 8601 date-time; seconds, fraction and zone optional (no zone = UTC). */
export const ISO_8601 = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;
const FINITE = { allowNaN: false, allowInfinity: false };
const PROFILE_VALUES = [...PROFILES, 'unknown'];

/** One metric sample: the seed's record, field names unchanged. */
export class FeedRecordDto {
  @ApiProperty({ example: '2025-10-12T21:40:00Z', description: 'ISO 8601 sample time; without a zone it is read as UTC' })
  @IsString()
  @Matches(ISO_8601, { message: 'timestamp must be an ISO 8601 date-time such as 2025-10-12T21:40:00Z' })
  timestamp!: string;

  @ApiProperty({
    example: 'ppml0001',
    description: 'Unique server id: 1-128 letters, digits and . _ : - (starting with a letter or digit)',
    pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$',
  })
  @IsString()
  @MaxLength(SERVER_NAME_MAX_LENGTH)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, {
    message: 'server_name must start with a letter or digit and contain only letters, digits and . _ : -',
  })
  server_name!: string;

  @ApiProperty({ example: 45.2, minimum: 0, maximum: 100, description: 'CPU utilisation, %' })
  @IsNumber(FINITE)
  @Min(0)
  @Max(100)
  cpu_percent!: number;

  @ApiProperty({ example: 62.1, minimum: 0, maximum: 100, description: 'Memory in use, %' })
  @IsNumber(FINITE)
  @Min(0)
  @Max(100)
  memory_percent!: number;

  @ApiProperty({ example: 35.8, minimum: 0, maximum: 100, description: 'Disk space used, % (not I/O throughput)' })
  @IsNumber(FINITE)
  @Min(0)
  @Max(100)
  disk_percent!: number;

  @ApiProperty({ example: 2.3, minimum: 0, maximum: 100000, description: '1-minute load average (runnable tasks)' })
  @IsNumber(FINITE)
  @Min(0)
  @Max(100000)
  load_average!: number;

  @ApiPropertyOptional({
    example: 'healthy',
    description: `Reported server state, informational. Known values: ${STATUSES.join(', ')}`,
    pattern: '^[a-z][a-z_]{0,31}$',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z][a-z_]{0,31}$/, { message: 'status must be a lower-case word such as healthy or heavy_load' })
  status?: string;

  @ApiPropertyOptional({ enum: PROFILE_VALUES, example: 'ml_compute', description: 'Server type; lets a new server get profile-aware forecasts' })
  @IsOptional()
  @IsIn(PROFILE_VALUES, { message: `profile must be one of: ${PROFILE_VALUES.join(', ')}` })
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
  @ApiProperty({ type: [FeedRecordDto], description: 'Samples in any order; each is validated on its own' })
  @IsArray()
  @ArrayMinSize(1, { message: 'records must contain at least one record' })
  records!: unknown[];
}

export class RejectedRecordDto {
  @ApiProperty({ example: 3, description: 'Index of the record in the request' })
  index!: number;
  @ApiProperty({ example: 'cpu_percent', description: 'Offending field, or "record" for the record as a whole' })
  field!: string;
  @ApiProperty({ example: 'cpu_percent must not be greater than 100' })
  reason!: string;
}

export class FeedDataResponseDto {
  @ApiProperty({ enum: ['success', 'partial'], example: 'success', description: '"partial" when some records were rejected' })
  status!: 'success' | 'partial';
  @ApiProperty({ example: 20, description: 'Records stored durably by this request' })
  records_added!: number;
  @ApiProperty({ example: 0, description: 'Records already stored (same server and second); ignored, not an error' })
  duplicates!: number;
  @ApiProperty({ example: 5760, description: 'Step buckets held across the fleet' })
  window_size!: number;
  @ApiProperty({ example: 25, description: 'Forecast ticks run so far' })
  tick!: number;
  @ApiProperty({ type: [RejectedRecordDto], description: 'Records not stored, each with its index, field and reason' })
  rejected!: RejectedRecordDto[];
}
