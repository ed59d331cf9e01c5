// The vitest config of every Node project (the Nest apps, the CLIs, the libraries): node environment,
// `*.spec.ts` under src/ and test/, workspace path aliases. Each project's vitest.config.mts is
// `export default nodeProjectConfig(import.meta.dirname, { ...its differences })`.
import { basename, join, relative } from 'node:path';
import { nxViteTsPaths } from '@nx/vite/plugins/nx-tsconfig-paths.plugin';
import swc from 'unplugin-swc';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

const root = join(import.meta.dirname, '..');

export interface NodeProjectOptions {
  /**
   * Compile with SWC, keeping decorator metadata: Vite's esbuild drops it, and without it Nest's
   * dependency injection fails (the Nest apps, and libraries whose specs start a Nest app).
   */
  nest?: boolean;
  /** Per-test limit in ms, for specs that start apps or run the model. */
  testTimeout?: number;
}

/** @param projectDir the project's folder (its vitest.config.mts's import.meta.dirname) */
export function nodeProjectConfig(projectDir: string, { nest = false, testTimeout }: NodeProjectOptions = {}): ViteUserConfig {
  const projectRoot = relative(root, projectDir);
  return defineConfig({
    root: projectDir,
    cacheDir: join(root, 'node_modules', '.vite', projectRoot),
    plugins: [
      nxViteTsPaths(),
      ...(nest
        ? [
            swc.vite({
              module: { type: 'es6' },
              jsc: {
                target: 'es2022',
                parser: { syntax: 'typescript', decorators: true },
                transform: { legacyDecorator: true, decoratorMetadata: true },
              },
            }),
          ]
        : []),
    ],
    test: {
      name: basename(projectDir),
      watch: false,
      globals: true,
      environment: 'node',
      include: ['{src,test}/**/*.spec.ts'],
      reporters: ['default'],
      ...(testTimeout === undefined ? {} : { testTimeout }),
      coverage: {
        provider: 'v8',
        reportsDirectory: join(root, 'coverage', projectRoot),
      },
    },
  });
}
