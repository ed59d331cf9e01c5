import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  attributeString,
  decodeMetricsJson,
  decodeMetricsProtobuf,
  decodeMetricsResponse,
  encodeMetricsProtobuf,
  encodeMetricsResponse,
  Temporality,
  UndecodableMetricsError,
} from './metrics-request';
import descriptor from './otlp-descriptor.json';
// @ts-expect-error: a plain .mjs build script without types
import { buildDescriptor } from '../../build-descriptor.mjs';

const example = JSON.parse(readFileSync(join(__dirname, 'fixtures/metrics.json'), 'utf8'));

describe('the OTLP metrics request', () => {
  it('is decoded with the descriptor built from the vendored opentelemetry-proto files', () => {
    expect(descriptor).toEqual(buildDescriptor());
  });

  it("decodes opentelemetry-proto's examples/metrics.json, and the same request re-encoded as protobuf, alike", () => {
    for (const request of [decodeMetricsJson(example), decodeMetricsProtobuf(encodeMetricsProtobuf(example))]) {
      const [resource] = request.resourceMetrics;
      expect(attributeString(resource.resource?.attributes, 'service.name')).toBe('my.service');
      const metrics = resource.scopeMetrics[0].metrics;
      expect(metrics.map((m) => [m.name, m.data])).toEqual([
        ['my.counter', 'sum'],
        ['my.gauge', 'gauge'],
        ['my.histogram', 'histogram'],
        ['my.exponential.histogram', 'exponentialHistogram'],
      ]);
      const counter = metrics[0].sum;
      expect(counter?.aggregationTemporality).toBe(Temporality.DELTA);
      expect(counter?.isMonotonic).toBe(true);
      const point = counter?.dataPoints[0];
      expect(point?.value).toBe('asDouble');
      expect(point?.asDouble).toBe(5);
      // 1544712660300000000 ns: int64 strings become numbers, exact to the microsecond
      expect(Math.round((point?.timeUnixNano ?? 0) / 1e6)).toBe(1544712660300);
      expect(attributeString(point?.attributes, 'my.counter.attr')).toBe('some value');
      expect(metrics[1].gauge?.dataPoints[0].asDouble).toBe(10);
    }
  });

  it('reads int64 values and attributes of every scalar kind', () => {
    const request = decodeMetricsJson({
      resourceMetrics: [
        {
          resource: {
            attributes: [
              { key: 'host.name', value: { stringValue: 'web-1' } },
              { key: 'host.cpus', value: { intValue: '8' } },
              { key: 'host.virtual', value: { boolValue: false } },
              { key: 'host.list', value: { arrayValue: { values: [] } } },
            ],
          },
          scopeMetrics: [{ metrics: [{ name: 'n', gauge: { dataPoints: [{ asInt: '42', timeUnixNano: 1_700_000_000_000_000_000 }] } }] }],
        },
      ],
    });
    const attributes = request.resourceMetrics[0].resource?.attributes;
    expect(attributeString(attributes, 'host.name')).toBe('web-1');
    expect(attributeString(attributes, 'host.cpus')).toBe('8');
    expect(attributeString(attributes, 'host.virtual')).toBe('false');
    expect(attributeString(attributes, 'host.list')).toBeUndefined();
    expect(attributeString(attributes, 'host.id')).toBeUndefined();
    const point = request.resourceMetrics[0].scopeMetrics[0].metrics[0].gauge?.dataPoints[0];
    expect([point?.value, point?.asInt]).toEqual(['asInt', 42]);
  });

  it('refuses bodies that are not a request, naming what is wrong', () => {
    expect(() => decodeMetricsProtobuf(Buffer.from('not protobuf at all'))).toThrow(UndecodableMetricsError);
    expect(() => decodeMetricsProtobuf(Buffer.from('not protobuf at all'))).toThrow(/not a protobuf ExportMetricsServiceRequest/);
    expect(() => decodeMetricsJson([1, 2])).toThrow(/expected a JSON object/);
    expect(() => decodeMetricsJson({ resourceMetrics: 'x' })).toThrow(/resourceMetrics: array expected/);
  });

  it('answers with partial_success in the format of the request', () => {
    const partial = { rejectedDataPoints: 3, errorMessage: '3 points without host.name' };
    expect(decodeMetricsResponse(encodeMetricsResponse(partial, 'protobuf') as Buffer)).toEqual({ partialSuccess: partial });
    expect(JSON.parse(encodeMetricsResponse(partial, 'json') as string)).toEqual({
      partialSuccess: { rejectedDataPoints: '3', errorMessage: '3 points without host.name' },
    });
    expect(encodeMetricsResponse(null, 'json')).toBe('{}');
    expect((encodeMetricsResponse(null, 'protobuf') as Buffer).length).toBe(0);
  });
});
