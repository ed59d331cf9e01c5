import { runCli, UsageError } from './lib/cli';

runCli(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`fine-tune: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
