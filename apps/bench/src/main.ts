import { runCli } from './lib/cli';
import { UsageError } from './lib/args';
import { cleanup } from './lib/proc';

// Whatever ends the run, the api and torch processes it started go with it.
process.on('exit', () => cleanup.now('SIGKILL'));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping the processes it started\n`);
    cleanup.now('SIGTERM');
    process.exit(130);
  });
}

runCli(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
