import { BadRequestException, Inject, Injectable, PayloadTooLargeException, UnsupportedMediaTypeException } from '@nestjs/common';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { Request } from 'express';
import getRawBody from 'raw-body';
import { CLOCK_OFFSET_HEADER } from '@tft/contracts';
import {
  decodeMetricsJson,
  decodeMetricsProtobuf,
  encodeMetricsResponse,
  UndecodableMetricsError,
  type MetricsRequest,
  type PartialSuccess,
} from '@tft/otlp';
import { InFlightGate, MAX_CONCURRENT_WRITES } from '../common/in-flight-gate';
import { bodyReadError, humanBytes, type BodyParserError } from '../common/http/body-errors';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { IngestService } from '../ingest/ingest.service';
import { ApiMetrics } from '../metrics/api-metrics';
import { HostSeriesIngest } from '../remote-write/host-series-ingest';
import { classifyMetrics, pointCount } from './host-metrics-mapping';

const ROUTE = '/v1/metrics';

/** How the batch processor (or an SDK's exporter) sends fewer points per request. */
const SHRINK = "lower the batch processor's send_batch_max_size";

const gunzipAsync = promisify(gunzip);

export type OtlpFormat = 'protobuf' | 'json';

/** The answer: ExportMetricsServiceResponse in the request's format. */
export interface OtlpAnswer {
  format: OtlpFormat;
  body: Buffer | string;
}

/** The OTLP/HTTP format a Content-Type names, or a 415 saying which ones the receiver reads. */
export function otlpFormat(contentType: string | undefined): OtlpFormat {
  const type = contentType?.split(';')[0].trim().toLowerCase();
  if (type === 'application/x-protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  throw new UnsupportedMediaTypeException(
    `OTLP/HTTP metrics are application/x-protobuf or application/json (got ${contentType ? `"${contentType.slice(0, 60)}"` : 'no Content-Type'})`,
  );
}

/**
 * POST /v1/metrics: OTLP/HTTP metrics (an OpenTelemetry Collector's otlphttp exporter, or an SDK's)
 * into the same windows as remote write, with the same guarantees: stored durably before the answer,
 * duplicates harmless, the clock policy, the body and record limits, the cardinality limits, 503 with
 * Retry-After when saturated or when the store failed (OTLP clients retry it). Points the receiver
 * refuses are counted in partial_success with the reasons; points it does not use are counted in
 * /metrics and otherwise ignored.
 */
@Injectable()
export class OtlpService {
  private readonly gate = new InFlightGate(MAX_CONCURRENT_WRITES, 'OTLP');

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly hostSeries: HostSeriesIngest,
    private readonly metrics: ApiMetrics,
  ) {}

  async receive(req: Request, client: string): Promise<OtlpAnswer> {
    const format = otlpFormat(req.headers['content-type']);
    return this.gate.run(async () => {
      // JSON went through the api's JSON parser (gzip, deflate or br; MAX_BODY_SIZE after decompression)
      let request: MetricsRequest;
      try {
        request = format === 'json' ? decodeMetricsJson(req.body) : decodeMetricsProtobuf(await this.readProtobuf(req));
      } catch (err) {
        if (err instanceof UndecodableMetricsError) throw new BadRequestException(err.message);
        throw err;
      }
      return { format, body: encodeMetricsResponse(await this.store(request, req.headers[CLOCK_OFFSET_HEADER], client), format) };
    });
  }

  /** A protobuf body, gunzipped when it says so; MAX_BODY_SIZE holds before and after decompression. */
  private async readProtobuf(req: Request): Promise<Buffer> {
    const encoding = req.headers['content-encoding']?.trim().toLowerCase();
    if (encoding && encoding !== 'gzip' && encoding !== 'identity') {
      throw new UnsupportedMediaTypeException(
        `OTLP/HTTP bodies are gzip-compressed or not: send Content-Encoding: gzip or none (got "${encoding.slice(0, 40)}")`,
      );
    }
    let raw: Buffer;
    try {
      raw = await getRawBody(req, { limit: this.config.maxBodyBytes, length: req.headers['content-length'] });
    } catch (err) {
      throw bodyReadError(err as BodyParserError, this.config.maxBodyBytes, SHRINK) ?? err;
    }
    if (encoding !== 'gzip') return raw;
    try {
      return await gunzipAsync(raw, { maxOutputLength: this.config.maxBodyBytes });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new PayloadTooLargeException(
          `request body decompresses to over the MAX_BODY_SIZE limit of ${humanBytes(this.config.maxBodyBytes)}: ${SHRINK}`,
        );
      }
      throw new BadRequestException(`request body could not be decompressed (gzip): ${(err as Error).message}`);
    }
  }

  private async store(
    request: MetricsRequest,
    clockOffsetHeader: string | string[] | undefined,
    client: string,
  ): Promise<PartialSuccess | null> {
    const offset = IngestService.clockOffset(clockOffsetHeader);
    let points = 0;
    for (const resource of request.resourceMetrics) {
      for (const scope of resource.scopeMetrics) for (const metric of scope.metrics) points += pointCount(metric);
    }
    if (points > this.config.maxRecordsPerRequest) {
      throw new PayloadTooLargeException(
        `a request may carry at most ${this.config.maxRecordsPerRequest} data points (MAX_RECORDS_PER_REQUEST; got ${points}): ${SHRINK}`,
      );
    }
    const classified = classifyMetrics(request, { hostAttribute: this.config.otlpHostAttribute, mountpoint: this.config.otlpMountpoint });
    const stored = await this.hostSeries.store(ROUTE, classified, offset, client);
    if (classified.ignoredSeries) this.metrics.ignoredPoints.inc(classified.ignoredSeries);
    if (!stored.rejectedSamples) return null;
    return {
      rejectedDataPoints: stored.rejectedSamples,
      errorMessage: stored.rejected.map((r) => `${r.reason} (${r.series})`).join('; '),
    };
  }
}
