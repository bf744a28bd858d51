// A driver the cache test kills with SIGKILL while it holds a cache on the workers: argv[2] is the cluster's
// master. It prints "cached <job id prefix>" once the cache is computed, then idles.
import { Session } from '@quiver/core';

const s = await Session.builder().master(process.argv[2]).getOrCreate();
const df = s.createDataFrame(Array.from({ length: 6000 }, (_, i) => ({ k: i % 10, v: i }))).cache();
await df.count();
console.log('cached');
setInterval(() => {}, 1000);
