import { ApiProperty } from '@nestjs/swagger';

export class SeriesRejectionDto {
  @ApiProperty({ example: 'series without a instance label (REMOTE_WRITE_SERVER_LABEL=instance names the server)' })
  reason!: string;
  @ApiProperty({ example: 3, description: 'Series refused for this reason' })
  series!: number;
}

export class RemoteWriteResponseDto {
  @ApiProperty({ enum: ['success', 'partial'], description: '`partial` when some series or samples were refused (listed in `rejected`)' })
  status!: 'success' | 'partial';
  @ApiProperty({ example: 1996, description: "Observations stored durably into the hosts' step buckets" })
  samples_added!: number;
  @ApiProperty({ example: 0, description: "Samples at or before their series' newest one (a re-sent request): nothing changed" })
  duplicates!: number;
  @ApiProperty({
    example: 4,
    description: 'Series the receiver does not use (see docs/PROMETHEUS.md for the relabel rules that keep them out)',
  })
  ignored_series!: number;
  @ApiProperty({ example: 0, description: "NaN samples, skipped: Prometheus' stale markers (a series ended) and any other NaN" })
  stale_markers!: number;
  @ApiProperty({
    example: 0,
    description:
      'Samples skipped: infinite or out-of-range values, or a ratio whose denominator (MemTotal, filesystem size) has not arrived yet. ' +
      "A counter's first sample and a counter reset only set a baseline and are not counted",
  })
  skipped!: number;
  @ApiProperty({ type: [SeriesRejectionDto], description: 'Refused series and samples, grouped by reason' })
  rejected!: SeriesRejectionDto[];
}
