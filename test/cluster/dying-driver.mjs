// A driver the bad-input test kills with SIGKILL while its job runs: argv[2] is the cluster's master.
import { F, Session } from '@quiver/core';

const s = await Session.builder().master(process.argv[2]).config('spark.sql.shuffle.partitions', 4).getOrCreate();
const df = s.createDataFrame(Array.from({ length: 4000 }, (_, i) => ({ k: i % 10, v: i })));
await df.groupBy('k').agg(F.sum('v')).collect();
await s.stop();
