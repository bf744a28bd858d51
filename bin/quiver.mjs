// The `quiver` command line. Each subcommand is built by its own function and added in main(),
// so the scheduler and worker daemons can join `submit` without touching it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import os, { availableParallelism } from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';

const RESOLVE_HOOK = path.join(import.meta.dirname, 'resolve-workspace.mjs');
const SCRIPT_EXTENSIONS = new Set(['.ts', '.mts', '.mjs', '.js']);
// The masters the core's Session accepts: an embedded cluster (local = one slot, local[*] = one per core),
// or a scheduler's address.
const MASTER = /^(local(\[([1-9]\d*|\*)\])?|quiver:\/\/[^\s/:]+:\d{1,5})$/;

function parseMaster(value) {
  if (!MASTER.test(value)) throw new InvalidArgumentError('expected local, local[N], local[*] or quiver://host:port');
  return value;
}

function submitCommand() {
  return new Command('submit')
    .description('run an application script with Node 24, as spark-submit does: the options reach its Session through the environment')
    .argument('<script>', 'the application: .ts (run with Node\'s type stripping), .mts, .mjs or .js')
    .argument('[args...]', 'arguments for the script; put them after --')
    .option('--master <master>', 'where Session.builder() connects when the script does not call .master(): local, local[N], local[*] or quiver://host:port (sets QUIVER_MASTER)', parseMaster)
    .option('--name <name>', 'application name (sets QUIVER_APP_NAME)')
    .addHelpText('after', '\nExample:\n  bin/quiver submit examples/dataframe-basics.ts --master local[2] -- --some-flag value')
    .action(submit);
}

function submit(script, args, options, command) {
  const file = path.resolve(script);
  if (!existsSync(file)) command.error(`error: script not found: ${script}`);
  if (!SCRIPT_EXTENSIONS.has(path.extname(file))) {
    command.error(`error: ${script} is not a script Node can run (${[...SCRIPT_EXTENSIONS].join(', ')})`);
  }

  const env = { ...process.env };
  if (options.master) env.QUIVER_MASTER = options.master;
  if (options.name) env.QUIVER_APP_NAME = options.name;

  const child = spawn(process.execPath, ['--import', RESOLVE_HOOK, file, ...args], { stdio: 'inherit', env });
  // Ctrl-C reaches the script directly (same process group); waiting lets it stop its Session cleanly.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => {
    if (signal) {
      // Die of the same signal, so whoever ran quiver sees what happened to the script.
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
}

function parsePort(value) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number (0 picks a free one)');
  return n;
}

function parsePositive(value) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** Stops `daemon` on SIGTERM/SIGINT and exits; a second signal exits at once. */
function stopOnSignals(daemon) {
  let stopping = false;
  for (const sig of ['SIGTERM', 'SIGINT']) {
    process.on(sig, () => {
      if (stopping) process.exit(1);
      stopping = true;
      daemon.stop().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
    });
  }
}

function schedulerCommand() {
  return new Command('scheduler')
    .description('start the cluster scheduler: workers register with it, drivers (master quiver://host:port) submit jobs to it')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'port to bind (0 picks a free one)', parsePort, 7077)
    .option('--heartbeat-timeout <ms>', 'a worker silent this long is declared lost and its tasks and blocks are redone elsewhere', parsePositive, 10000)
    .action(async (options) => {
      const { Scheduler } = await import('@quiver/scheduler');
      const scheduler = new Scheduler({ host: options.host, port: options.port, heartbeatTimeoutMs: options.heartbeatTimeout });
      stopOnSignals(scheduler);
      await scheduler.start();
    });
}

function workerCommand() {
  return new Command('worker')
    .description('start a worker daemon: registers with the scheduler, runs tasks on a thread pool, serves its shuffle blocks')
    .requiredOption('--scheduler <host:port>', 'the scheduler to register with')
    .option('--host <host>', 'address to bind and advertise', '127.0.0.1')
    .option('--port <port>', 'port to bind (0 picks a free one)', parsePort, 0)
    .option('--cores <n>', 'task slots (threads)', parsePositive, availableParallelism())
    .option('--memory <size>', 'memory for blocks (e.g. 8g, 512m); beyond it blocks spill to --work-dir', '8g')
    .option('--work-dir <dir>', 'where blocks spill', os.tmpdir())
    .option('--id <id>', 'worker id (default: a random one)')
    .action(async (options, command) => {
      const { WorkerDaemon, parseMemory } = await import('@quiver/worker');
      let memory;
      try {
        memory = parseMemory(options.memory);
      } catch (e) {
        command.error(`error: ${e.message}`);
      }
      const worker = new WorkerDaemon({
        scheduler: options.scheduler, host: options.host, port: options.port, cores: options.cores, memory, workDir: options.workDir, ...(options.id ? { id: options.id } : {}),
        // Fault injection for the cluster tests (slow tasks, slow shuffle reads), never set in production.
        taskDelayMs: Number(process.env.QUIVER_TEST_TASK_DELAY_MS ?? 0),
        chunkDelayMs: Number(process.env.QUIVER_TEST_CHUNK_DELAY_MS ?? 0),
      });
      stopOnSignals(worker);
      try {
        await worker.start();
      } catch (e) {
        console.error(`quiver worker: ${e.message}`);
        await worker.stop();
        process.exit(1);
      }
    });
}

function main() {
  const program = new Command('quiver')
    .description('Quiver: a Spark-like DataFrame engine for Node.js')
    .showHelpAfterError()
    .addCommand(submitCommand())
    .addCommand(schedulerCommand())
    .addCommand(workerCommand());
  program.parse();
}

main();
