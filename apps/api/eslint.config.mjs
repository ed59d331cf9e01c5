import { readdirSync } from 'node:fs';
import baseConfig from '../../eslint.config.mjs';

/**
 * The api's folders from the bottom up. A folder may import its own layer and those below it, never a
 * higher one: what a lower module needs of a higher one goes through a port it owns (wired in
 * app.module.ts) or an event (snapshot/api-events.ts). The root files (app.module.ts, configure-app.ts,
 * main.ts, graceful-shutdown.ts) compose everything and are imported by nothing but tests.
 */
export const API_LAYERS = [
  ['config', 'common', 'metrics', 'auth'],
  ['model'],
  ['snapshot'],
  ['window'],
  ['warmup', 'archive'],
  ['ingest', 'remote-write', 'otlp'],
  ['alerts'],
  ['inference'],
  ['read-model'],
  ['track-record'],
  [
    'bodies',
    'predictions',
    'fleet',
    'servers',
    'drivers',
    'model-reload',
    'events',
    'health',
    'prometheus',
    'alerts-api',
    'alert-delivery',
  ],
  ['cluster'],
  ['openapi'],
];

// a new folder must take its place in the layers, or the rule would not see it
const unplaced = readdirSync(new URL('./src', import.meta.url), { withFileTypes: true })
  .filter((e) => e.isDirectory() && e.name !== 'assets' && !API_LAYERS.flat().includes(e.name))
  .map((e) => e.name);
if (unplaced.length) throw new Error(`apps/api/src/${unplaced.join(', ')}: add to API_LAYERS in apps/api/eslint.config.mjs`);

const ROOT_FILES = ['app.module', 'configure-app', 'main', 'graceful-shutdown'];

/** `no-restricted-imports` for one layer: relative imports of any higher folder, or of a root file. */
function layerRule(index) {
  const above = API_LAYERS.slice(index + 1).flat();
  const layer = API_LAYERS[index].join(', ');
  return {
    files: API_LAYERS[index].map((folder) => `src/${folder}/**/*.ts`),
    ignores: ['src/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...(above.length
              ? [
                  {
                    regex: `^(\\.\\./)+(${above.join('|')})(/|$)`,
                    message: `${layer} may not import a higher layer (API_LAYERS in apps/api/eslint.config.mjs): take what you need through a port or an event`,
                  },
                ]
              : []),
            {
              regex: `^(\\.\\./)+(${ROOT_FILES.join('|')})$`,
              message: 'the root files compose the app: nothing imports them',
            },
          ],
        },
      ],
    },
  };
}

export default [...baseConfig, ...API_LAYERS.map((_, i) => layerRule(i))];
