import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { METRICS } from '@tft/contracts';
import type { PredictionsParams } from '../../read-model/read-queries';

/** Optional narrowing of GET /predictions/current; without any, the whole fleet as the original contract has it. */
export class PredictionsQueryDto implements PredictionsParams {
  @ApiPropertyOptional({ example: 'ppdb0001,ppweb0002', description: 'Only these servers (comma list)' })
  @IsOptional()
  @IsString()
  @MaxLength(100_000)
  servers?: string;

  @ApiPropertyOptional({
    example: 'cpu_percent,memory_percent',
    description: `Only these metrics (comma list of ${METRICS.join(', ')}); alerts too`,
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  metrics?: string;

  @ApiPropertyOptional({
    example: '500',
    description: 'Page size (1..10000) in server-name order; the body then has `next_cursor`, null on the last page',
  })
  @IsOptional()
  @IsString()
  limit?: string;

  @ApiPropertyOptional({ description: '`next_cursor` of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  cursor?: string;
}
