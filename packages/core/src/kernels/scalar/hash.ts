import { AnalysisError } from '../../errors.js';
import { Int32Type, typeToString } from '../../types/data-type.js';
import { sparkMurmur3RowHashes } from '../key-hash.js';
import { registerScalar } from './registry.js';

/**
 * Spark's `hash(...)`: Murmur3_x86_32 with seed 42, each argument's hash seeding the next; a null
 * argument leaves the running hash unchanged. The per-type hashing is shared with hash partitioning
 * (key-hash.ts), so `hash(k) % n` and shuffle partition ids agree.
 */
registerScalar({
  name: 'hash',
  returnType(args) {
    if (args.length === 0) throw new AnalysisError(`Function 'hash' needs at least one argument`);
    args.forEach((t, i) => {
      if (t.kind === 'list') throw new AnalysisError(`Function 'hash' cannot hash argument ${i + 1} of type ${typeToString(t)}`);
    });
    return Int32Type;
  },
  eval(args, ctx) {
    return { type: Int32Type, length: ctx.length, values: sparkMurmur3RowHashes(args, ctx.length), validity: null };
  },
});
