// Benchmark entry point: `pnpm bench <workload> [options]`. Each workload is a module under
// benchmarks/ exporting `main(argv) => Promise<exitCode>`; the .ts modules run through
// Node's built-in type stripping, so no build step sits between an edit and a measurement.
const WORKLOADS = {
  groupby: () => import('./groupby/groupby.ts'),
  'ml-lr': () => import('./ml-lr/ml-lr.ts'),
  'ml-xgb': () => import('./ml-xgb/ml-xgb.ts'),
  peers: () => import('./peers/peers.ts'),
  scheduler: () => import('./cluster/scheduler.ts'),
  shuffle: () => import('./cluster/shuffle.ts'),
};

const [workload, ...argv] = process.argv.slice(2);
const load = WORKLOADS[workload];
if (!load) {
  console.error(`usage: pnpm bench <${Object.keys(WORKLOADS).join('|')}> [options]`);
  process.exit(2);
}
process.exitCode = await (await load()).main(argv);
