// The `quiver` command line. Each subcommand is built by its own function and added in main(),
// so the scheduler and worker daemons can join `submit` without touching it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
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

function main() {
  const program = new Command('quiver')
    .description('Quiver: a Spark-like DataFrame engine for Node.js')
    .showHelpAfterError()
    .addCommand(submitCommand());
  program.parse();
}

main();
