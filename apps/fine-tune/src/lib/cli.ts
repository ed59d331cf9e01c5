import { parseFineTuneArgs, USAGE } from './args';
import { fineTune, type FineTuneDeps, type FineTuneIo, type FineTuneResult } from './fine-tune';

export { UsageError } from './args';

const defaultIo: FineTuneIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
};

/** `npm run train -- --fine-tune ...` (tools/train.mjs hands the other flags here); throws UsageError on bad flags. */
export async function runCli(argv: readonly string[], io: FineTuneIo = defaultIo, deps: FineTuneDeps = {}): Promise<FineTuneResult | null> {
  const args = parseFineTuneArgs(argv.filter((a) => a !== '--fine-tune'));
  if (args === 'help') {
    io.err(USAGE);
    return null;
  }
  return fineTune(args, io, deps);
}
