import { runCommand } from './lib/cli';
import { UsageError } from './lib/args';
import { cleanup } from './lib/proc';

const name = process.argv[2] === 'soak' ? 'soak' : 'bench';

// Whatever ends the run, the api and torch processes it started go with it.
process.on('exit', () => cleanup.now('SIGKILL'));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    process.stderr.write(`\n${name}: ${signal}, stopping the processes it started\n`);
    cleanup.now('SIGTERM');
    process.exit(130);
  });
}

runCommand(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
