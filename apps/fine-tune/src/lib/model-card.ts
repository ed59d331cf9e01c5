import { isoSeconds } from '@tft/forecasting';
import { BUCKET_TOLERANCE, decisionTables, type Decision } from './decision';
import type { SplitPlan } from './split';

/** What a fine-tuning run did, as the model card and report.json tell it. */
export interface FineTuneRecord {
  version: string;
  base: { version: string; dir: string };
  source: { kind: 'api' | 'prometheus'; description: string };
  history: { rows: number; servers: number };
  split: SplitPlan & { trainingRows: number; heldOutRows: number; heldOutServers: number; trainingSha256: string };
  stepSeconds: number;
  training: {
    budgetSeconds: number;
    seconds: number;
    bestStep: number;
    lastStep: number | null;
    baseValLoss: number | null;
    bestValLoss: number | null;
    settings: Record<string, unknown>;
  };
  backtest: { stride: number; targets: number; decision: Decision };
  seconds: { history: number; training: number; export: number; backtest: number; total: number };
  alertRule: 'carried' | 'none';
}

const days = (seconds: number) => `${(seconds / 86_400).toFixed(1)} days`;
const fmt = (x: number | null) => (x === null ? '-' : x.toFixed(4));

/** The new version's MODEL_CARD.md. */
export function modelCard(r: FineTuneRecord, created: string): string {
  const s = r.split;
  const step = r.stepSeconds;
  const end = s.last + step;
  const t = r.training;
  const settings = Object.entries(t.settings)
    .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
    .join(', ');
  const decision = r.backtest.decision;
  return `# TFT ${r.version}: ${r.base.version} fine-tuned on a fleet's own history

${r.base.version}'s network, weights and calibration, trained further by \`npm run train -- --fine-tune\` (${created}) on the
history of the fleet it serves, then backtested against ${r.base.version} on the most recent part of that history, held
out from training. Inputs, outputs and grid are ${r.base.version}'s, so the runner and the api drive it unchanged;
${r.base.version}'s card describes the network.

## Data
- Source: ${r.source.description}.
- History: ${isoSeconds(s.first)} to ${isoSeconds(end)} (${days(end - s.first)}), ${r.history.servers} servers, ${r.history.rows} rows on the ${step}-s grid.
- Training part: ${isoSeconds(s.first)} to ${isoSeconds(s.cut)} (${days(s.cut - s.first)}, ${s.trainingRows} rows; sha256 \`${s.trainingSha256}\`).
  \`train.py\` holds the last ${Math.round(Number(t.settings['val_fraction']) * 100)} % of each server's training part out for early stopping.
- Held out: ${isoSeconds(s.cut)} to ${isoSeconds(end)} (${days(end - s.cut)}, ${s.heldOutServers} servers), never trained on. The backtest's file
  starts at ${isoSeconds(s.contextStart)}: the steps before the cut are only the first origins' encoder input.
- Nothing else: no generator export, wild series or real traces.

## Training
- \`train.py --init ${r.base.dir}\` (its FINE_TUNE settings): ${settings}.
- Budget ${t.budgetSeconds} s; ${t.seconds.toFixed(0)} s spent, ${t.lastStep ?? '-'} steps, best at step ${t.bestStep}${t.bestStep === 0 ? ` (${r.base.version}'s weights as given: no step improved on them)` : ''}.
- Validation loss (weighted pinball): ${fmt(t.baseValLoss)} with ${r.base.version}'s weights, ${fmt(t.bestValLoss)} kept.
- The p10/p90 calibration factors are ${r.base.version}'s, fixed while training.

## Backtest against ${r.base.version}
\`runBacktest\` (\`npm run backtest\`) on the held-out file for both models, origins every ${r.backtest.stride} steps, ${r.backtest.targets}
scored targets each; wQL of the metrics' mean (\`overall\`), lower is better:

${decisionTables(decision, r.base.version, r.version)}

Written, since ${decision.reason}. The rule: a challenger is written only when its wQL over all horizons is below
the champion's and no horizon bucket is worse by more than ${(BUCKET_TOLERANCE * 100).toFixed(0)} %.

## Alerts
${
  r.alertRule === 'carried'
    ? `${r.base.version}'s \`alert_rule\` is carried over; its level was chosen for ${r.base.version}'s band, so check it with \`npm run alert-quality\`.`
    : `Like ${r.base.version}: no \`alert_rule\`, the p50/p90 crossing rule.`
}

## Time taken
History ${r.seconds.history.toFixed(0)} s, training ${r.seconds.training.toFixed(0)} s, export ${r.seconds.export.toFixed(0)} s, backtests ${r.seconds.backtest.toFixed(0)} s: ${r.seconds.total.toFixed(0)} s in all.
`;
}
