import { BadRequestException, Body, Controller, HttpCode, PayloadTooLargeException, Post, ServiceUnavailableException } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiOkResponse, ApiOperation, ApiPayloadTooLargeResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { WriteRoute } from '../auth/access.decorators';
import { InferenceService } from '../inference/inference.service';
import { StoreWriteError, WindowService } from '../window/window.service';
import { FeedDataDto, FeedDataResponseDto } from './dto/feed-data.dto';
import { IngestService, TooManyRecordsError } from './ingest.service';

@ApiTags('ingest')
@Controller('feed')
export class IngestController {
  constructor(
    private readonly ingest: IngestService,
    private readonly windows: WindowService,
    private readonly inference: InferenceService,
  ) {}

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
  @ApiOkResponse({ type: FeedDataResponseDto })
  @ApiBadRequestResponse({ description: 'No valid record; `rejected` names index, field and reason of each problem' })
  @ApiPayloadTooLargeResponse({ description: 'Body over MAX_BODY_SIZE or more than MAX_RECORDS_PER_REQUEST records' })
  @ApiServiceUnavailableResponse({ description: 'The store could not write: nothing from this request was acknowledged' })
  // The body is typed unknown so the global ValidationPipe leaves it alone: transforming and validating a
  // 1,000-record array as class instances cost more than storing it. The envelope is checked here and
  // each record by IngestService.
  async feed(@Body() body: unknown): Promise<FeedDataResponseDto> {
    let outcome;
    try {
      outcome = await this.ingest.ingest(feedRecords(body));
    } catch (err) {
      if (err instanceof TooManyRecordsError) throw new PayloadTooLargeException(err.message);
      if (err instanceof StoreWriteError) throw new ServiceUnavailableException(err.message);
      throw err;
    }
    const { added, duplicates, rejected } = outcome;
    if (outcome.closedChanged) this.inference.requestTick();
    if (rejected.length && added === 0 && duplicates === 0) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: rejected.slice(0, 100).map((r) => `records[${r.index}].${r.field}: ${r.reason}`),
        rejected,
      });
    }
    return {
      status: rejected.length ? 'partial' : 'success',
      records_added: added,
      duplicates,
      window_size: this.windows.bucketCount(),
      tick: this.inference.tickCount,
      rejected,
    };
  }
}

/** The envelope rules FeedDataDto documents: an object with a non-empty `records` array and nothing else. */
function feedRecords(body: unknown): unknown[] {
  const problems: string[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    problems.push('body must be a JSON object with a records array');
  } else {
    for (const key of Object.keys(body)) if (key !== 'records') problems.push(`property ${key} should not exist`);
    const records = (body as { records?: unknown }).records;
    if (!Array.isArray(records)) problems.push('records must be an array');
    else if (records.length === 0) problems.push('records must contain at least one record');
    if (!problems.length) return records as unknown[];
  }
  throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: problems });
}
