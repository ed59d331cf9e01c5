import { WriteClient } from '../common/write-client.decorator';
import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { ErrorDto } from '../common/dto/error.dto';
import { WriteRoute } from '../auth/access.decorators';
import { FeedDataDto, FeedDataErrorDto, FeedDataResponseDto } from './dto/feed-data.dto';
import { CLOCK_OFFSET_HEADER } from '@tft/contracts';
import { IngestService } from './ingest.service';

@ApiTags('ingest')
@Controller('feed')
export class IngestController {
  constructor(private readonly ingest: IngestService) {}

  @Post('data')
  @HttpCode(200)
  @WriteRoute()
  @ApiOperation({
    summary: 'Feed metric samples',
    description:
      'Each record is validated on its own. Valid records are stored durably before the response; invalid ones are ' +
      'listed in `rejected` with index, field and reason (status "partial"). If no record is valid the answer is 400 ' +
      'with the same list. A sample already stored (same server and second) counts as a duplicate and changes nothing. ' +
      'Late samples are accepted while their step is inside the server window; older ones are rejected.',
  })
  @ApiBody({ type: FeedDataDto })
  @ApiHeader({
    name: 'X-Clock-Offset',
    required: false,
    description:
      "Seconds the sender's clock deliberately runs ahead of the wall clock (an accelerated simulator, a replay). " +
      "Samples more than MAX_FUTURE_SKEW (default 5 min) ahead of the api's clock plus this offset are rejected.",
    schema: { type: 'number', minimum: 0 },
  })
  @ApiOkResponse({
    type: FeedDataResponseDto,
    examples: {
      success: {
        summary: 'Every record stored',
        value: {
          status: 'success',
          records_added: 1,
          duplicates: 0,
          window_size: 5760,
          tick: 25,
          rejected: [],
        },
      },
      partial: {
        summary: 'One record of two refused',
        value: {
          status: 'partial',
          records_added: 1,
          duplicates: 0,
          window_size: 5760,
          tick: 25,
          rejected: [
            {
              index: 1,
              field: 'cpu_percent',
              reason: 'cpu_percent must be a number in 0..100 (got 101)',
            },
          ],
        },
      },
    },
  })
  @ApiBadRequestResponse({
    type: FeedDataErrorDto,
    description: 'No valid record (`rejected` names index, field and reason of each), a malformed envelope or a body that is not JSON',
    examples: {
      records: {
        summary: 'No record was valid',
        value: {
          statusCode: 400,
          error: 'Bad Request',
          message: 'records[0].cpu_percent: cpu_percent must be a number in 0..100 (got "abc")',
          rejected: [
            {
              index: 0,
              field: 'cpu_percent',
              reason: 'cpu_percent must be a number in 0..100 (got "abc")',
            },
          ],
        },
      },
      envelope: {
        summary: 'No records array',
        value: {
          statusCode: 400,
          error: 'Bad Request',
          message: 'property data should not exist; records must be an array',
        },
      },
    },
  })
  @ApiPayloadTooLargeResponse({
    type: ErrorDto,
    description: 'Body over MAX_BODY_SIZE or more than MAX_RECORDS_PER_REQUEST records',
    example: {
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'request body is 50 MB, over the MAX_BODY_SIZE limit of 16 MB: split the records over several requests',
    },
  })
  @ApiUnsupportedMediaTypeResponse({
    type: ErrorDto,
    description: 'A Content-Encoding other than gzip, deflate or br, or a charset other than utf-8',
  })
  @ApiServiceUnavailableResponse({
    description: 'The store could not write: nothing from this request was acknowledged',
  })
  // The body is typed unknown so the global ValidationPipe leaves it alone: transforming and validating a
  // large record array as class instances costs more than storing it. IngestService checks the envelope
  // and each record.
  feed(
    @Body() body: unknown,
    @WriteClient() client: string,
    @Headers(CLOCK_OFFSET_HEADER) clockOffset?: string,
  ): Promise<FeedDataResponseDto> {
    return this.ingest.feed(body, clockOffset, client);
  }
}
