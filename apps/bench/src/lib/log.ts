/** Where a benchmark writes its progress lines (stderr, with the run's elapsed time in front). */
export type Log = (line: string) => void;

/** The command's two output streams: results on `out`, progress and failures on `err`. */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

export const defaultIo: CliIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
};
