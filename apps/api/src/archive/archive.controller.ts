import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { KeyedRead } from '../auth/access.decorators';
import { QUERY_PIPE } from '../common/query-params';
import { ExportQueryDto, MAX_EXPORT_SERVERS } from './dto/export-query.dto';
import { ArchiveService, NO_ARCHIVE_MESSAGE } from './archive.service';

/** An error answer of this route as JSON (the CSV is only the 200's). */
const errorContent = (message: string, statusCode: number, error: string) => ({
  'application/json': { schema: { $ref: getSchemaPath('ErrorDto') }, example: { statusCode, error, message } },
});

@ApiTags('archive')
@Controller()
export class ArchiveController {
  constructor(private readonly archive: ArchiveService) {}

  @Get('export')
  @ApiOperation({
    summary: 'The archive of closed steps as CSV in the contract layout (streamed; a key is needed once keys are configured)',
    description:
      'One row per server and closed step, oldest step first: `timestamp,server_name,cpu_percent,memory_percent,' +
      'disk_percent,load_average,profile`, each step the mean of its samples as the windows hold it (4 decimals), an ' +
      'empty cell for a metric the step lacks: what `npm run backtest` and the trainer read. Kept for ARCHIVE_RETENTION ' +
      'of data time. Streamed from the archive as the client reads it (chunked); gzip with Accept-Encoding: gzip. In ' +
      'cluster mode a replica exports the servers it archived (docs/OPERATIONS.md).',
  })
  @KeyedRead()
  @ApiHeader({ name: 'Accept-Encoding', required: false, description: 'gzip: the CSV comes gzip-compressed (Content-Encoding: gzip)' })
  @ApiOkResponse({
    description: 'CSV, header first; chunked, so without Content-Length',
    content: {
      'text/csv': {
        schema: { type: 'string' },
        example:
          'timestamp,server_name,cpu_percent,memory_percent,disk_percent,load_average,profile\n' +
          '2026-01-05T06:00:00Z,ppdb0001,41.2035,63.5,40.12,1.75,database\n' +
          '2026-01-05T06:00:00Z,host-7,12.5,33,80.25,,\n',
      },
    },
  })
  @ApiBadRequestResponse({
    description:
      'An unknown parameter, a since/until that is not an ISO 8601 date-time or an until not after since, a bad server name, ' +
      `more than ${MAX_EXPORT_SERVERS} servers (MAX_EXPORT_SERVERS), or an unknown profile`,
    content: errorContent('until: must be after since', 400, 'Bad Request'),
  })
  @ApiNotFoundResponse({
    description: 'No archive is kept (ARCHIVE_RETENTION=0)',
    content: errorContent(NO_ARCHIVE_MESSAGE, 404, 'Not Found'),
  })
  export(@Query(QUERY_PIPE) query: ExportQueryDto, @Req() req: Request, @Res() res: Response): void {
    this.archive.sendExport(query.toFilter(), req, res);
  }
}
