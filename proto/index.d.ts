import type { Root, Type } from 'protobufjs';
export declare const protoPath: string;
export declare const root: Root;
export declare function messageType(name: string): Type;
export declare const TaskDefinition: Type;
export declare const TaskResult: Type;
export declare const StageDefinition: Type;
export declare const PlanNode: Type;
export declare const Partitioning: Type;
