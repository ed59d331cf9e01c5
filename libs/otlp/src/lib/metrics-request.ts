import { configure, Root, util, type Type } from 'protobufjs';
import descriptor from './otlp-descriptor.json';

// int64 and fixed64 as plain numbers, not Long objects (as the remote-write decoder does): nanosecond
// times lose a few hundred nanoseconds, far below the millisecond the receiver keeps
util.Long = undefined as unknown as typeof util.Long;
configure();

const root = Root.fromJSON(descriptor);
const REQUEST: Type = root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest');
const RESPONSE: Type = root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse');

/** AggregationTemporality of the metrics proto. */
export const Temporality = { UNSPECIFIED: 0, DELTA: 1, CUMULATIVE: 2 } as const;

/** DataPointFlags.FLAG_NO_RECORDED_VALUE: the point marks a series that ended (Prometheus' stale marker). */
export const NO_RECORDED_VALUE = 1;

export interface AnyValue {
  /** Which field the value is in (the proto's oneof). */
  value?: 'stringValue' | 'boolValue' | 'intValue' | 'doubleValue' | 'arrayValue' | 'kvlistValue' | 'bytesValue';
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number;
  doubleValue?: number;
}

export interface KeyValue {
  key: string;
  value?: AnyValue | null;
}

export interface NumberDataPoint {
  attributes: KeyValue[];
  startTimeUnixNano: number;
  timeUnixNano: number;
  asDouble?: number;
  asInt?: number;
  /** Which of asDouble / asInt the point carries (the proto's oneof); undefined for neither. */
  value?: 'asDouble' | 'asInt';
  flags: number;
}

export interface NumberPoints {
  dataPoints: NumberDataPoint[];
}

export interface SumPoints extends NumberPoints {
  aggregationTemporality: number;
  isMonotonic: boolean;
}

export interface Metric {
  name: string;
  unit: string;
  gauge?: NumberPoints | null;
  sum?: SumPoints | null;
  /** Which kind of points the metric carries: gauge, sum, histogram, exponentialHistogram or summary. */
  data?: string;
}

export interface ScopeMetrics {
  metrics: Metric[];
}

export interface ResourceMetrics {
  resource?: { attributes: KeyValue[] } | null;
  scopeMetrics: ScopeMetrics[];
}

/** The part of an ExportMetricsServiceRequest the receiver reads; the proto's other fields are decoded and left alone. */
export interface MetricsRequest {
  resourceMetrics: ResourceMetrics[];
}

/** The body is not an ExportMetricsServiceRequest in the format its Content-Type names: a 400, which OTLP clients do not retry. */
export class UndecodableMetricsError extends Error {}

/** Decodes a binary protobuf ExportMetricsServiceRequest (Content-Type: application/x-protobuf). */
export function decodeMetricsProtobuf(body: Uint8Array): MetricsRequest {
  try {
    return REQUEST.decode(body) as unknown as MetricsRequest;
  } catch (err) {
    throw new UndecodableMetricsError(`body is not a protobuf ExportMetricsServiceRequest: ${(err as Error).message}`);
  }
}

/**
 * An ExportMetricsServiceRequest in OTLP/JSON (Content-Type: application/json), already parsed: keys
 * in lowerCamelCase, 64-bit integers as strings or numbers, enums as numbers; unknown keys ignored.
 */
export function decodeMetricsJson(body: unknown): MetricsRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new UndecodableMetricsError('body is not an OTLP/JSON ExportMetricsServiceRequest: expected a JSON object');
  }
  try {
    return REQUEST.fromObject(body as Record<string, unknown>) as unknown as MetricsRequest;
  } catch (err) {
    throw new UndecodableMetricsError(`body is not an OTLP/JSON ExportMetricsServiceRequest: ${(err as Error).message}`);
  }
}

/** Encodes a request as protobuf: for clients and tests that speak the binary format. */
export function encodeMetricsProtobuf(request: unknown): Uint8Array {
  return REQUEST.encode(REQUEST.fromObject(request as Record<string, unknown>)).finish();
}

/** What the receiver refused of a request: ExportMetricsServiceResponse.partial_success. */
export interface PartialSuccess {
  rejectedDataPoints: number;
  errorMessage: string;
}

/** The answer's body in the request's format: empty on full success, partial_success when points were refused. */
export function encodeMetricsResponse(partial: PartialSuccess | null, format: 'protobuf' | 'json'): Buffer | string {
  const response = partial ? { partialSuccess: partial } : {};
  if (format === 'protobuf') return Buffer.from(RESPONSE.encode(RESPONSE.fromObject(response)).finish());
  // OTLP/JSON writes 64-bit integers as decimal strings
  return JSON.stringify(partial ? { partialSuccess: { ...partial, rejectedDataPoints: String(partial.rejectedDataPoints) } } : {});
}

/** Decodes an ExportMetricsServiceResponse (a client's view, for tests). */
export function decodeMetricsResponse(body: Uint8Array): { partialSuccess?: PartialSuccess | null } {
  return RESPONSE.toObject(RESPONSE.decode(body), { longs: Number }) as { partialSuccess?: PartialSuccess | null };
}

/** An attribute's value as a string (string, int, double or bool attributes), or undefined. */
export function attributeString(attributes: readonly KeyValue[] | undefined, key: string): string | undefined {
  if (!attributes) return undefined;
  for (const attribute of attributes) {
    if (attribute.key !== key) continue;
    const v = attribute.value;
    const which = v?.value;
    return v && which && which !== 'arrayValue' && which !== 'kvlistValue' && which !== 'bytesValue' ? String(v[which]) : undefined;
  }
  return undefined;
}
