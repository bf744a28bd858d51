// Loads quiver.proto once with protobufjs reflection; field names become camelCase (nulls_first -> nullsFirst).
import protobuf from 'protobufjs';
import { fileURLToPath } from 'node:url';

export const protoPath = fileURLToPath(new URL('./quiver.proto', import.meta.url));
export const root = protobuf.loadSync(protoPath);

export const messageType = (name) => root.lookupType(`quiver.${name}`);

export const TaskDefinition = messageType('TaskDefinition');
export const TaskResult = messageType('TaskResult');
export const StageDefinition = messageType('StageDefinition');
export const PlanNode = messageType('PlanNode');
export const Partitioning = messageType('Partitioning');
