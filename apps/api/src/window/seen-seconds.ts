/** Never a second of a step (steps are shorter than 65,535 s): marks list entries not yet written. */
const NONE = 0xffff;

/**
 * Which seconds of each bucket of a ring already delivered a sample (duplicate detection at 1 s
 * resolution), sized to the server's sampling rate. Each bucket holds a list of up to `width`
 * seconds; the width doubles when a bucket fills it, and once a list would be as large as a bitmap
 * (one bit per second of the step) every bucket switches to one. At 300-s steps a server sampled
 * once per step costs 2 bytes a bucket instead of a 38-byte bitmap, one sampled every minute 16,
 * and one sampled every 5 s keeps the bitmap.
 */
export class SeenSeconds {
  private readonly bitmapBytes: number;
  /** Seconds per bucket in list mode; 0 once the buckets are bitmaps. */
  private width = 1;
  private list: Uint16Array;
  private bits: Uint8Array | null = null;

  constructor(
    stepSeconds: number,
    private readonly capacity: number,
  ) {
    if (stepSeconds >= NONE) throw new RangeError(`step of ${stepSeconds} s: duplicate detection needs steps under ${NONE} s`);
    this.bitmapBytes = Math.ceil(stepSeconds / 8);
    this.list = new Uint16Array(capacity).fill(NONE);
  }

  /** Bytes held per bucket (2 per list entry, or the bitmap). */
  get bytesPerBucket(): number {
    return this.bits ? this.bitmapBytes : this.width * 2;
  }

  /** Records `second` in `slot`; false when that second was already recorded (a duplicate). */
  mark(slot: number, second: number): boolean {
    if (this.bits) {
      const byte = slot * this.bitmapBytes + (second >> 3);
      const bit = 1 << (second & 7);
      if (this.bits[byte] & bit) return false;
      this.bits[byte] |= bit;
      return true;
    }
    const base = slot * this.width;
    let n = 0;
    for (; n < this.width && this.list[base + n] !== NONE; n++) if (this.list[base + n] === second) return false;
    this.insert(slot, n, second);
    return true;
  }

  /** Forgets a slot's seconds (its bucket is being reused); the window zeroes its count too. */
  clear(slot: number): void {
    if (this.bits) this.bits.fill(0, slot * this.bitmapBytes, (slot + 1) * this.bitmapBytes);
    else this.list.fill(NONE, slot * this.width, (slot + 1) * this.width);
  }

  /** The slot's seconds as a bitmap (the persisted form, whichever layout is in memory). */
  bitmap(slot: number): Uint8Array {
    if (this.bits) return this.bits.slice(slot * this.bitmapBytes, (slot + 1) * this.bitmapBytes);
    const out = new Uint8Array(this.bitmapBytes);
    const base = slot * this.width;
    for (let i = 0; i < this.width && this.list[base + i] !== NONE; i++) {
      const s = this.list[base + i];
      out[s >> 3] |= 1 << (s & 7);
    }
    return out;
  }

  /** Replaces a slot's seconds with a persisted bitmap. */
  restore(slot: number, bitmap: Uint8Array): void {
    this.clear(slot);
    let n = 0;
    for (let byte = 0; byte < this.bitmapBytes; byte++) {
      const v = bitmap[byte] ?? 0;
      if (v === 0) continue;
      for (let bit = 0; bit < 8; bit++) if (v & (1 << bit)) this.insert(slot, n++, byte * 8 + bit);
    }
  }

  /** Writes `second` as the slot's `n`-th entry, widening the lists or switching to bitmaps first. */
  private insert(slot: number, n: number, second: number): void {
    if (!this.bits && n >= this.width) {
      if (this.width * 4 >= this.bitmapBytes) this.toBitmaps();
      else this.widen(this.width * 2);
    }
    if (this.bits) this.bits[slot * this.bitmapBytes + (second >> 3)] |= 1 << (second & 7);
    else this.list[slot * this.width + n] = second;
  }

  private widen(width: number): void {
    const next = new Uint16Array(this.capacity * width).fill(NONE);
    for (let slot = 0; slot < this.capacity; slot++) {
      next.set(this.list.subarray(slot * this.width, (slot + 1) * this.width), slot * width);
    }
    this.list = next;
    this.width = width;
  }

  private toBitmaps(): void {
    const bits = new Uint8Array(this.capacity * this.bitmapBytes);
    for (let slot = 0; slot < this.capacity; slot++) bits.set(this.bitmap(slot), slot * this.bitmapBytes);
    this.bits = bits;
    this.list = new Uint16Array(0);
    this.width = 0;
  }
}
