/** float64 vectors as the bytes partition functions exchange, without copying where the alignment allows. */
export const toBytes = (a: Float64Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * Bytes from gRPC or a worker pool arrive as Node Buffers, often views into a shared pool at any offset; a
 * misaligned one is copied (`new Uint8Array(b)` copies exactly its bytes, where Buffer#slice would not).
 */
export const toDoubles = (b: Uint8Array): Float64Array =>
  b.byteOffset % 8 === 0 ? new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8) : new Float64Array(new Uint8Array(b).buffer);
