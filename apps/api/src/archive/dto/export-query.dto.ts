import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, Matches } from 'class-validator';
import { PROFILES, SERVER_NAME_PATTERN } from '@tft/contracts';
import { CommaList, DateTimeParam } from '../../common/query-params';
import type { ExportFilter } from '../archive.store';

/** The most server names one export may list: a longer list would not fit the request line anyway. */
export const MAX_EXPORT_SERVERS = 1000;

/** What GET /export streams; without any parameter, the whole archive. */
export class ExportQueryDto {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    example: '2026-01-05T00:00:00Z',
    description: 'Steps starting at or after this (ISO 8601 with a zone, or a date: midnight UTC); default: the oldest archived',
  })
  @DateTimeParam()
  since?: number;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    example: '2026-01-06T00:00:00Z',
    description: 'Steps starting before this (after `since`); default: up to the newest archived',
  })
  @DateTimeParam({ after: 'since' })
  until?: number;

  @ApiPropertyOptional({
    type: String,
    example: 'ppdb0001,ppweb0002',
    description: `Only these servers (comma list, at most ${MAX_EXPORT_SERVERS}); names the archive does not know give no rows`,
  })
  @CommaList(undefined, { what: 'server names' })
  @ArrayMaxSize(MAX_EXPORT_SERVERS, {
    message: `servers: at most ${MAX_EXPORT_SERVERS} names per export (MAX_EXPORT_SERVERS); leave servers out to export every server, or filter by profile`,
  })
  @Matches(SERVER_NAME_PATTERN, {
    each: true,
    message: ({ value }) =>
      `servers: ${(Array.isArray(value) ? (value as string[]).filter((v) => !SERVER_NAME_PATTERN.test(v)) : [String(value)])
        .map((v) => `"${v.slice(0, 64)}"`)
        .join(', ')} is not a server name (1-128 letters, digits and ._:-)`,
  })
  servers?: string[];

  @ApiPropertyOptional({
    type: String,
    example: 'database,web_api',
    description: `Only servers of these profiles (comma list of ${PROFILES.join(', ')})`,
  })
  @CommaList(PROFILES)
  profile?: string[];

  /** The archive's filter. */
  toFilter(): ExportFilter {
    return {
      ...(this.since !== undefined ? { since: this.since } : {}),
      ...(this.until !== undefined ? { until: this.until } : {}),
      ...(this.servers ? { servers: this.servers } : {}),
      ...(this.profile ? { profiles: this.profile } : {}),
    };
  }
}
