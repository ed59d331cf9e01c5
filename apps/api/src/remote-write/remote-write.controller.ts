import { WriteClient } from '../common/write-client.decorator';
import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Request } from 'express';
import { WriteRoute as KeyedWriteRoute } from '@tft/api-keys/nest';
import { RemoteWriteResponseDto } from './dto/remote-write.dto';
import { RemoteWriteService } from './remote-write.service';

@ApiTags('ingest')
@Controller('api/v1')
export class RemoteWriteController {
  constructor(private readonly remoteWrite: RemoteWriteService) {}

  @Post('write')
  @HttpCode(200)
  @KeyedWriteRoute()
  // WRITE_RATE_LIMIT answers 429, on which Prometheus drops data: this route signals overload with 503
  @SkipThrottle()
  @ApiOperation({
    summary: 'Prometheus remote write 1.0 receiver',
    description:
      'Snappy-compressed protobuf WriteRequest, as Prometheus (also in agent mode) sends it with `remote_write`. ' +
      'node_exporter series are mapped to the four metrics (docs/PROMETHEUS.md has the table; REMOTE_WRITE_SERVER_LABEL ' +
      'names the server) and merged into the same step buckets as POST /feed/data; a metric that never arrives stays ' +
      "missing. Stored durably before the answer; samples at or before their series' newest one are duplicates; series " +
      'the receiver does not use are counted and ignored. 400 (not retried by Prometheus) for an undecodable body or when ' +
      'nothing was usable; 503 with Retry-After (retried) when the store failed or the receiver is saturated.',
  })
  @ApiBody({
    description: 'snappy block-compressed prometheus.WriteRequest (Content-Encoding: snappy, Content-Type: application/x-protobuf)',
    schema: { type: 'string', format: 'binary' },
  })
  @ApiOkResponse({
    type: RemoteWriteResponseDto,
    example: {
      status: 'success',
      samples_added: 1996,
      duplicates: 0,
      ignored_series: 0,
      stale_markers: 0,
      skipped: 0,
      rejected: [],
    },
  })
  @ApiBadRequestResponse({ description: 'The body is not a snappy-compressed WriteRequest, or no series was usable (each reason named)' })
  @ApiPayloadTooLargeResponse({ description: 'Body over MAX_BODY_SIZE or more than MAX_RECORDS_PER_REQUEST samples' })
  @ApiUnsupportedMediaTypeResponse({ description: 'Content-Encoding other than snappy' })
  @ApiServiceUnavailableResponse({
    description: 'The store could not write or the receiver is saturated: nothing acknowledged; see Retry-After',
  })
  write(@Req() req: Request, @WriteClient() client: string): Promise<RemoteWriteResponseDto> {
    return this.remoteWrite.receive(req, client);
  }
}
