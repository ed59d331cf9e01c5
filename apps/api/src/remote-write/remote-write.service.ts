import { BadRequestException, Inject, Injectable, PayloadTooLargeException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';
import { CLOCK_OFFSET_HEADER } from '@tft/contracts';
import { InFlightGate, MAX_CONCURRENT_WRITES } from '../common/in-flight-gate';
import { bodyReadError, type BodyParserError } from '../common/http/body-errors';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { IngestService } from '../ingest/ingest.service';
import { ApiMetrics } from '../metrics/api-metrics';
import type { RemoteWriteResponseDto } from './dto/remote-write.dto';
import { HostSeriesIngest } from './host-series-ingest';
import { NodeExporterMapping } from './node-exporter-mapping';
import { decodeWriteRequest, UndecodableWriteError } from '@tft/remote-write';

const ROUTE = '/api/v1/write';

/**
 * POST /api/v1/write: Prometheus remote write 1.0 into the same windows as POST /feed/data, with
 * the same guarantees (stored durably before the answer, duplicates harmless, the clock policy, the
 * size limits) and status codes Prometheus acts on: 2xx stored, 400 never retried, 503 retried.
 */
@Injectable()
export class RemoteWriteService {
  private readonly gate = new InFlightGate(MAX_CONCURRENT_WRITES, 'remote-write');

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly mapping: NodeExporterMapping,
    private readonly hostSeries: HostSeriesIngest,
    private readonly metrics: ApiMetrics,
  ) {}

  /** Only snappy is remote write's encoding; anything else is a client to fix (415, not retried). */
  static checkEncoding(contentEncoding: string | undefined): void {
    if (contentEncoding?.trim().toLowerCase() === 'snappy') return;
    throw new UnsupportedMediaTypeException(
      `remote write bodies are snappy-compressed protobuf: send Content-Encoding: snappy (got ${contentEncoding ? `"${contentEncoding.slice(0, 40)}"` : 'none'})`,
    );
  }

  /** One request: its encoding, its body (MAX_BODY_SIZE, like JSON writes), then the samples. `client`: see ServerLimits. */
  async receive(req: IncomingMessage, client: string): Promise<RemoteWriteResponseDto> {
    RemoteWriteService.checkEncoding(req.headers['content-encoding']);
    return this.gate.run(async () => this.store(await this.readBody(req), req.headers[CLOCK_OFFSET_HEADER], client));
  }

  /** The raw body: Express' parsers refuse Content-Encoding: snappy (415), which Prometheus never retries. */
  private async readBody(req: IncomingMessage): Promise<Buffer> {
    try {
      return await getRawBody(req, { limit: this.config.maxBodyBytes, length: req.headers['content-length'] });
    } catch (err) {
      throw bodyReadError(err as BodyParserError, this.config.maxBodyBytes, 'lower queue_config.max_samples_per_send') ?? err;
    }
  }

  private async store(body: Uint8Array, clockOffsetHeader: string | string[] | undefined, client: string): Promise<RemoteWriteResponseDto> {
    const offset = IngestService.clockOffset(clockOffsetHeader);
    let request;
    try {
      request = decodeWriteRequest(body);
    } catch (err) {
      if (err instanceof UndecodableWriteError) throw new BadRequestException(err.message);
      throw err;
    }
    const sampleCount = request.timeseries.reduce((n, ts) => n + ts.samples.length, 0);
    if (sampleCount > this.config.maxRecordsPerRequest) {
      throw new PayloadTooLargeException(
        `a request may carry at most ${this.config.maxRecordsPerRequest} samples (MAX_RECORDS_PER_REQUEST; got ${sampleCount}): ` +
          'lower queue_config.max_samples_per_send',
      );
    }
    const classified = this.mapping.classify(request.timeseries);
    const stored = await this.hostSeries.store(ROUTE, classified, offset, client);
    if (classified.ignoredSeries) this.metrics.ignoredSeries.inc(classified.ignoredSeries);
    if (stored.rejected.length && stored.added === 0 && stored.duplicates === 0) {
      throw new BadRequestException(`nothing stored: ${stored.rejected.map((r) => `${r.reason} (${r.series})`).join('; ')}`);
    }
    return {
      status: stored.rejected.length ? 'partial' : 'success',
      samples_added: stored.added,
      duplicates: stored.duplicates,
      ignored_series: classified.ignoredSeries,
      stale_markers: stored.staleMarkers,
      skipped: stored.unusable,
      rejected: stored.rejected,
    };
  }
}
