import { ApiProperty } from '@nestjs/swagger';

/** GET /stream/status: what the stream has delivered and where the simulated clock stands. */
export class StreamStatusDto {
  @ApiProperty({ example: 'http://127.0.0.1:8000/feed/data' })
  target!: string;
  @ApiProperty()
  api_reachable!: boolean;
  @ApiProperty({ example: 28800 })
  delivered_records!: number;
  @ApiProperty({ example: 0, description: 'Waiting for the api' })
  buffered_records!: number;
  @ApiProperty({
    example: 0,
    description: 'Oldest records dropped because the buffer bound was reached',
  })
  dropped_records!: number;
  @ApiProperty({
    example: 0,
    description: 'Records the api refused (a whole batch answered 400, or single records listed in a partial answer)',
  })
  rejected_records!: number;
  @ApiProperty()
  backfill_done!: boolean;
  @ApiProperty({ example: '2026-11-28T10:00:00Z' })
  simulated_time!: string;
  @ApiProperty({ example: 60 })
  speed!: number;
}
