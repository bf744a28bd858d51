// A process serving synthetic Arrow-sized blocks through the shuffle's BlockService handler (the code a
// worker serves its shuffle outputs with), for `pnpm bench shuffle`. argv: <blocks> <block MiB>. Prints its port.
import { blockServiceHandlers, grpc, serviceDefinition } from '@quiver/proto/grpc';

const [count, mib] = process.argv.slice(2).map(Number);
const blocks = new Map<string, Uint8Array>();
for (let i = 0; i < count!; i++) {
  const b = new Uint8Array(new SharedArrayBuffer(mib! << 20));
  for (let j = 0; j < b.length; j += 4096) b[j] = (i + j) & 0xff;
  blocks.set(`b${i}`, b);
}
const server = new grpc.Server({ 'grpc.max_send_message_length': -1 });
server.addService(serviceDefinition('BlockService'), blockServiceHandlers((id: string) => {
  const b = blocks.get(id);
  if (!b) throw new Error(`no block ${id}`);
  return b;
}));
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, port) => {
  if (e) throw e;
  console.log(port);
});
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
