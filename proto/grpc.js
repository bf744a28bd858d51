// gRPC service definitions built from quiver.proto's services, for @grpc/grpc-js servers and clients.
// A request or response may be given as already-encoded bytes (the scheduler splices TaskDefinitions
// without parsing plans); `raw` methods hand back undecoded bytes for the same reason.
import * as grpc from '@grpc/grpc-js';
import { root } from './index.js';

const DECODE_OPTIONS = { longs: Number, defaults: true };

function serializer(type) {
  if (type.fullName === '.quiver.BlockChunk') return serializeChunk;
  return (value) => Buffer.from(value instanceof Uint8Array ? value : type.encode(type.fromObject(value)).finish());
}

function varint(out, at, n) {
  for (; n >= 0x80; n = Math.floor(n / 128)) out[at++] = (n & 0x7f) | 0x80;
  out[at++] = n;
  return at;
}

/**
 * BlockChunk by hand, written once into its final buffer: the generic path copies a chunk's data into
 * protobufjs's writer and then into a Buffer, two extra megabyte copies per chunk on the shuffle's hot path.
 */
function serializeChunk(c) {
  const id = c.blockId ? Buffer.from(c.blockId, 'utf8') : null;
  const data = c.data;
  const out = Buffer.allocUnsafe((id ? 1 + 5 + id.length : 0) + 1 + 5 + data.length + (c.totalBytes ? 1 + 10 : 0));
  let at = 0;
  if (id) {
    out[at++] = 0x0a;
    at = varint(out, at, id.length);
    id.copy(out, at);
    at += id.length;
  }
  out[at++] = 0x12;
  at = varint(out, at, data.length);
  out.set(data, at);
  at += data.length;
  if (c.totalBytes) {
    out[at++] = 0x18;
    at = varint(out, at, c.totalBytes);
  }
  return out.subarray(0, at);
}

function deserializer(type, raw) {
  if (raw) return (buf) => buf;
  return (buf) => type.toObject(type.decode(buf), DECODE_OPTIONS);
}

/**
 * The @grpc/grpc-js definition of `quiver.<name>`. `rawRequests`/`rawResponses` list methods whose
 * messages stay undecoded Buffers on the receiving side.
 */
export function serviceDefinition(name, { rawRequests = [], rawResponses = [] } = {}) {
  const service = root.lookupService(`quiver.${name}`);
  const def = {};
  for (const m of Object.values(service.methods)) {
    m.resolve();
    def[m.name] = {
      path: `/quiver.${name}/${m.name}`,
      requestStream: Boolean(m.requestStream),
      responseStream: Boolean(m.responseStream),
      requestSerialize: serializer(m.resolvedRequestType),
      requestDeserialize: deserializer(m.resolvedRequestType, rawRequests.includes(m.name)),
      responseSerialize: serializer(m.resolvedResponseType),
      responseDeserialize: deserializer(m.resolvedResponseType, rawResponses.includes(m.name)),
      originalName: m.name,
    };
  }
  return def;
}

/** Channel options for every Quiver connection: no message size limit (blocks stream in chunks anyway), fast failure when a peer dies. */
export const CHANNEL_OPTIONS = {
  'grpc.max_receive_message_length': -1,
  'grpc.max_send_message_length': -1,
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1_000,
  // HTTP/2's default 64 KiB receive window makes a block's sender stop for a WINDOW_UPDATE round trip every
  // 64 KiB; a window of several chunks keeps loopback and LAN streams busy (the reader still bounds memory).
  'grpc-node.flow_control_window': 16 << 20,
};

export function makeClient(name, address, options = {}) {
  const Ctor = grpc.makeGenericClientConstructor(serviceDefinition(name, options), name);
  return new Ctor(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
}

/** Promise form of a unary call; rejects with the gRPC error (its `code` and `details`). */
export function unary(client, method, request, deadlineMs) {
  return new Promise((resolve, reject) => {
    const opts = deadlineMs ? { deadline: Date.now() + deadlineMs } : {};
    client[method](request, new grpc.Metadata(), opts, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

export { grpc };

const CHUNK_BYTES = 1 << 20;

/**
 * FetchBlocks handler: streams each requested block in 1 MiB chunks, waiting for the transport to drain
 * whenever the reader falls behind (back-pressure), so a slow reducer never makes the holder buffer a block.
 * `getBlock` returns the bytes or throws an error naming the block.
 */
export function blockServiceHandlers(getBlock, { chunkDelayMs = 0, onFetch } = {}) {
  return {
    FetchBlocks: async (call) => {
      try {
        onFetch?.(call.request.blockIds, call.getPeer());
        for (const id of call.request.blockIds) {
          const bytes = await getBlock(id);
          for (let off = 0; off === 0 || off < bytes.length; off += CHUNK_BYTES) {
            const chunk = { blockId: off === 0 ? id : '', data: bytes.subarray(off, off + CHUNK_BYTES), totalBytes: off === 0 ? bytes.length : 0 };
            if (call.cancelled) return;
            if (!call.write(chunk)) await new Promise((resolve) => call.once('drain', resolve));
            if (chunkDelayMs) await new Promise((resolve) => setTimeout(resolve, chunkDelayMs));
          }
        }
        call.end();
      } catch (e) {
        call.destroy({ code: grpc.status.NOT_FOUND, details: e.message });
      }
    },
  };
}

/** Reads blocks from a BlockService client, in the order asked; rejects with the gRPC error when the holder fails or dies. */
export function fetchBlocks(client, ids) {
  return new Promise((resolve, reject) => {
    const out = [];
    let current = null;
    let filled = 0;
    const stream = client.FetchBlocks({ blockIds: ids });
    stream.on('data', (chunk) => {
      const total = Number(chunk.totalBytes);
      if (chunk.blockId && chunk.data.length === total) {
        // A block in one chunk is used where it arrived, without a copy.
        out.push(chunk.data);
        return;
      }
      if (chunk.blockId) {
        current = new Uint8Array(total);
        filled = 0;
        out.push(current);
      }
      current.set(chunk.data, filled);
      filled += chunk.data.length;
    });
    stream.on('error', reject);
    stream.on('end', () => (out.length === ids.length ? resolve(out) : reject(new Error(`FetchBlocks returned ${out.length} of ${ids.length} blocks`))));
  });
}
