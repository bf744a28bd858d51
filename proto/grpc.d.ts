import * as grpc from '@grpc/grpc-js';
export declare function serviceDefinition(name: string, options?: { rawRequests?: string[]; rawResponses?: string[] }): grpc.ServiceDefinition;
export declare const CHANNEL_OPTIONS: grpc.ChannelOptions;
export declare function makeClient(name: string, address: string, options?: { rawRequests?: string[]; rawResponses?: string[] }): grpc.Client & Record<string, any>;
export declare function unary<T = any>(client: grpc.Client, method: string, request: unknown, deadlineMs?: number): Promise<T>;
export { grpc };
export declare function blockServiceHandlers(getBlock: (id: string) => Uint8Array | Promise<Uint8Array>, options?: { chunkDelayMs?: number; onFetch?: (ids: readonly string[], peer: string) => void }): grpc.UntypedServiceImplementation;
export declare function fetchBlocks(client: grpc.Client, ids: readonly string[]): Promise<Uint8Array[]>;
