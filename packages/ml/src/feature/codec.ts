/**
 * The bytes a feature stage's partition functions exchange with the driver (fitted statistics, model
 * parameters): numbers and typed arrays in little-endian binary, strings as UTF-8, so wide vectors of
 * means or long label lists cost no text parsing in the tasks.
 */
const enc = new TextEncoder();
const dec = new TextDecoder();

export class ByteWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private pos = 0;

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  f64(x: number): this { this.room(8); this.view.setFloat64(this.pos, x, true); this.pos += 8; return this; }
  u32(x: number): this { this.room(4); this.view.setUint32(this.pos, x, true); this.pos += 4; return this; }
  bool(x: boolean): this { return this.u32(x ? 1 : 0); }

  f64s(a: ArrayLike<number>): this {
    this.u32(a.length);
    this.room(a.length * 8);
    for (let i = 0; i < a.length; i++) this.view.setFloat64(this.pos + i * 8, a[i]!, true);
    this.pos += a.length * 8;
    return this;
  }

  str(s: string): this {
    const b = enc.encode(s);
    this.u32(b.length);
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  strs(a: readonly string[]): this { this.u32(a.length); for (const s of a) this.str(s); return this; }

  finish(): Uint8Array { return this.buf.slice(0, this.pos); }
}

export class ByteReader {
  private readonly view: DataView;
  private pos = 0;
  constructor(private readonly buf: Uint8Array) { this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength); }

  f64(): number { const x = this.view.getFloat64(this.pos, true); this.pos += 8; return x; }
  u32(): number { const x = this.view.getUint32(this.pos, true); this.pos += 4; return x; }
  bool(): boolean { return this.u32() !== 0; }

  f64s(): Float64Array {
    const n = this.u32();
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.view.getFloat64(this.pos + i * 8, true);
    this.pos += n * 8;
    return out;
  }

  str(): string {
    const n = this.u32();
    const s = dec.decode(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }

  strs(): string[] { const n = this.u32(); const out: string[] = []; for (let i = 0; i < n; i++) out.push(this.str()); return out; }
}
