import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { METRICS, type MetricName } from '@tft/contracts';
import { CommaList, MAX_PAGE, PageLimit } from '../../common/query-params';
import type { PredictionsQuery } from '../../bodies/read-bodies';

/** Optional narrowing of GET /predictions/current; without any, the whole fleet as the original contract has it. */
export class PredictionsQueryDto {
  @ApiPropertyOptional({ type: String, example: 'ppdb0001,ppweb0002', description: 'Only these servers (comma list)' })
  @CommaList(undefined, { what: 'server names' })
  servers?: string[];

  @ApiPropertyOptional({
    type: String,
    example: 'cpu_percent,memory_percent',
    description: `Only these metrics (comma list of ${METRICS.join(', ')}); alerts too`,
  })
  @CommaList(METRICS)
  metrics?: MetricName[];

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE,
    example: 500,
    description: `Page size (1..${MAX_PAGE}) in server-name order; the body then has \`next_cursor\`, null on the last page`,
  })
  @PageLimit()
  limit?: number;

  @ApiPropertyOptional({ description: '`next_cursor` of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  cursor?: string;

  /** The read model's query: metrics as their METRICS indexes. */
  toQuery(): PredictionsQuery {
    const metrics = this.metrics;
    return {
      ...(this.servers ? { servers: this.servers } : {}),
      ...(metrics ? { metrics: METRICS.flatMap((m, i) => (metrics.includes(m) ? [i] : [])) } : {}),
      ...(this.limit !== undefined ? { limit: this.limit } : {}),
      ...(this.cursor !== undefined ? { cursor: this.cursor } : {}),
    };
  }
}
