import { Writer } from 'protobufjs';
import { compress } from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { decodeWriteRequest, encodeWriteRequest, UndecodableWriteError } from './write-request';

const T = Date.UTC(2026, 11, 1, 12);

describe('decodeWriteRequest', () => {
  it('reads what Prometheus encodes, timestamps as milliseconds', () => {
    const request = {
      timeseries: [
        {
          labels: [
            { name: '__name__', value: 'node_load1' },
            { name: 'instance', value: 'web-1:9100' },
          ],
          samples: [
            { value: 1.25, timestamp: T },
            { value: 1.5, timestamp: T + 15_000 },
          ],
        },
      ],
    };
    expect(decodeWriteRequest(encodeWriteRequest(request))).toEqual({ ...request, metadataCount: 0 });
  });

  it('skips fields it does not declare (exemplars, histograms) and counts metadata', () => {
    // TimeSeries { labels = 1; samples = 2; exemplars = 3; histograms = 4 } as Prometheus 2.42 may send it
    const label = Writer.create().uint32(10).string('__name__').uint32(18).string('node_load1').finish();
    const sample = Writer.create().uint32(9).double(2).uint32(16).int64(T).finish();
    const exemplar = Writer.create().uint32(17).double(7).finish();
    const histogram = Writer.create().uint32(8).uint64(3).finish();
    const ts = Writer.create()
      .uint32(10)
      .bytes(label)
      .uint32(18)
      .bytes(sample)
      .uint32(26)
      .bytes(exemplar)
      .uint32(34)
      .bytes(histogram)
      .finish();
    const metadata = Writer.create().uint32(8).int32(1).uint32(34).string('node_load1').finish();
    const request = Writer.create().uint32(10).bytes(ts).uint32(26).bytes(metadata).finish();
    const decoded = decodeWriteRequest(compress(request));
    expect(decoded.metadataCount).toBe(1);
    expect(decoded.timeseries).toEqual([{ labels: [{ name: '__name__', value: 'node_load1' }], samples: [{ value: 2, timestamp: T }] }]);
  });

  it('takes an empty body and a metadata-only request as nothing to store', () => {
    expect(decodeWriteRequest(new Uint8Array())).toEqual({ timeseries: [], metadataCount: 0 });
    expect(decodeWriteRequest(compress(new Uint8Array()))).toEqual({ timeseries: [], metadataCount: 0 });
  });

  it('names what is wrong with a body that is not snappy or not protobuf', () => {
    expect(() => decodeWriteRequest(Buffer.from('{"records": []}'))).toThrow(UndecodableWriteError);
    expect(() => decodeWriteRequest(Buffer.from('{"records": []}'))).toThrow(/not snappy block-compressed/);
    expect(() => decodeWriteRequest(compress(Uint8Array.from([0x0a, 0xff, 0xff, 0x01])))).toThrow(/not a protobuf WriteRequest/);
  });
});
