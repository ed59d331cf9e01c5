import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { WriteRoute as KeyedWriteRoute } from '@tft/api-keys/nest';
import { WriteClient } from '../common/write-client.decorator';
import { OtlpExportResponseDto } from './dto/otlp-response.dto';
import { OtlpService } from './otlp.service';

const CONTENT_TYPES = { protobuf: 'application/x-protobuf', json: 'application/json' } as const;

@ApiTags('ingest')
@ApiExtraModels(OtlpExportResponseDto)
@Controller()
export class OtlpController {
  constructor(private readonly otlp: OtlpService) {}

  // /api/v1/otlp/v1/metrics is where Prometheus, Mimir and VictoriaMetrics take OTLP: a collector pointed at either works
  @Post(['v1/metrics', 'api/v1/otlp/v1/metrics'])
  @HttpCode(200)
  @KeyedWriteRoute()
  // WRITE_RATE_LIMIT answers 429; overload here is a 503 with Retry-After, which OTLP clients retry
  @SkipThrottle()
  @ApiOperation({
    summary: 'OpenTelemetry OTLP/HTTP metrics receiver',
    description:
      'ExportMetricsServiceRequest as application/x-protobuf or application/json (OTLP/JSON), gzip or not, as the ' +
      "Collector's otlphttp exporter or an SDK's OTLP exporter sends it. The hostmetrics receiver's system.cpu.time, " +
      'system.memory.usage, system.filesystem.usage and system.cpu.load_average.1m (or the *.utilization gauges, which win) ' +
      'are mapped to the four metrics (docs/OPENTELEMETRY.md has the table; OTLP_HOST_ATTRIBUTE names the server) and merged ' +
      "into the same step buckets as remote write. Stored durably before the answer; points at or before their series' " +
      'newest one are duplicates; other metrics are counted and ignored. Refused points are counted in partial_success ' +
      'with their reasons (200); 400 for an undecodable body; 503 with Retry-After (retried) when the store failed or the ' +
      'receiver is saturated. The answer is in the format of the request.',
  })
  @ApiConsumes('application/x-protobuf', 'application/json')
  @ApiBody({
    description:
      'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest: binary protobuf, or OTLP/JSON (lowerCamelCase keys, ' +
      'int64 as strings, enums as numbers); Content-Encoding: gzip optional',
    schema: { type: 'string', format: 'binary' },
  })
  @ApiOkResponse({
    description: 'ExportMetricsServiceResponse in the format of the request',
    content: {
      'application/json': {
        schema: { $ref: getSchemaPath(OtlpExportResponseDto) },
        example: { partialSuccess: { rejectedDataPoints: '4', errorMessage: 'sample time more than 300 s ahead of the server clock (4)' } },
      },
      'application/x-protobuf': { schema: { type: 'string', format: 'binary' } },
    },
  })
  @ApiBadRequestResponse({
    description: 'The body is not an ExportMetricsServiceRequest in the format its Content-Type names, or not gzip when it says so',
  })
  @ApiPayloadTooLargeResponse({
    description: 'Body over MAX_BODY_SIZE (before or after decompression) or more than MAX_RECORDS_PER_REQUEST data points',
  })
  @ApiUnsupportedMediaTypeResponse({
    description: 'Content-Type other than application/x-protobuf or application/json, or Content-Encoding other than gzip',
  })
  @ApiServiceUnavailableResponse({
    description: 'The store could not write or the receiver is saturated: nothing acknowledged; see Retry-After',
  })
  async metrics(@Req() req: Request, @Res() res: Response, @WriteClient() client: string): Promise<void> {
    const answer = await this.otlp.receive(req, client);
    res.status(200).type(CONTENT_TYPES[answer.format]).send(answer.body);
  }
}
