import { SeenSeconds } from './seen-seconds';

const bitsOf = (bitmap: Uint8Array): number[] =>
  [...bitmap].flatMap((v, byte) => [0, 1, 2, 3, 4, 5, 6, 7].filter((b) => v & (1 << b)).map((b) => byte * 8 + b));

describe('SeenSeconds', () => {
  it('costs 2 bytes a bucket for one sample per step and reports a repeated second as a duplicate', () => {
    const seen = new SeenSeconds(300, 4);
    expect(seen.mark(0, 17)).toBe(true);
    expect(seen.mark(1, 17)).toBe(true); // another bucket, same second: not a duplicate
    expect(seen.mark(0, 17)).toBe(false);
    expect(seen.bytesPerBucket).toBe(2);
    expect(bitsOf(seen.bitmap(0))).toEqual([17]);
  });

  it('widens the lists as a bucket fills them, keeping every bucket, then switches to bitmaps', () => {
    const seen = new SeenSeconds(300, 3);
    seen.mark(2, 299);
    const minutely = [0, 60, 120, 180, 240];
    for (const s of minutely) expect(seen.mark(0, s)).toBe(true);
    expect(seen.bytesPerBucket).toBe(16); // width 8
    expect(minutely.map((s) => seen.mark(0, s))).toEqual([false, false, false, false, false]);
    expect(bitsOf(seen.bitmap(0))).toEqual(minutely);
    expect(bitsOf(seen.bitmap(2))).toEqual([299]);

    const every5s = Array.from({ length: 60 }, (_, i) => i * 5);
    const fresh = every5s.filter((s) => !minutely.includes(s));
    expect(fresh.every((s) => seen.mark(0, s))).toBe(true);
    expect(seen.bytesPerBucket).toBe(38); // ceil(300 / 8): a list of 32 would be larger
    expect(every5s.some((s) => seen.mark(0, s))).toBe(false);
    expect(bitsOf(seen.bitmap(0))).toEqual(every5s);
    expect(bitsOf(seen.bitmap(2))).toEqual([299]); // carried over into the bitmap
    expect(seen.mark(2, 299)).toBe(false);
    expect(seen.mark(1, 299)).toBe(true);
  });

  it('forgets a cleared slot in both layouts', () => {
    for (const samples of [3, 40]) {
      const seen = new SeenSeconds(300, 2);
      for (let s = 0; s < samples; s++) seen.mark(1, s);
      seen.mark(0, 5);
      seen.clear(1);
      expect(bitsOf(seen.bitmap(1))).toEqual([]);
      expect(seen.mark(1, 0)).toBe(true);
      expect(seen.mark(0, 5)).toBe(false);
    }
  });

  it('restores a persisted bitmap, widening as needed, and answers duplicates from it', () => {
    const seen = new SeenSeconds(300, 2);
    const bitmap = new Uint8Array(38);
    for (const s of [1, 9, 100, 250, 299]) bitmap[s >> 3] |= 1 << (s & 7);
    seen.restore(1, bitmap);
    expect(bitsOf(seen.bitmap(1))).toEqual([1, 9, 100, 250, 299]);
    expect(seen.mark(1, 100)).toBe(false);
    expect(seen.mark(1, 101)).toBe(true);
    seen.restore(1, new Uint8Array(38)); // replaces, not merges
    expect(seen.mark(1, 100)).toBe(true);
  });

  it('refuses steps too long for its 16-bit seconds', () => {
    expect(() => new SeenSeconds(86400, 2)).toThrow(/65535/);
  });
});
