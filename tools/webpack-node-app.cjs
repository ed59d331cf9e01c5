// The webpack config of every Node app (api, generator, web-server, bench, backtest): tsc-compiled, unminified,
// with source maps, a generated package.json and src/assets copied, built to dist/<project root>.
// Each app's webpack.config.js is `module.exports = nodeAppConfig(__dirname)`.
const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join, relative } = require('node:path');

const root = join(__dirname, '..');

/** @param {string} projectDir the app's folder (its webpack.config.js's __dirname) */
function nodeAppConfig(projectDir) {
  return {
    output: {
      path: join(root, 'dist', relative(root, projectDir)),
      clean: true,
      ...(process.env.NODE_ENV !== 'production' && {
        devtoolModuleFilenameTemplate: '[absolute-resource-path]',
      }),
    },
    plugins: [
      // Paths are relative to the project root, where Nx runs webpack.
      new NxAppWebpackPlugin({
        target: 'node',
        compiler: 'tsc',
        main: './src/main.ts',
        tsConfig: './tsconfig.app.json',
        assets: ['./src/assets'],
        optimization: false,
        outputHashing: 'none',
        generatePackageJson: true,
        sourceMap: true,
      }),
    ],
  };
}

module.exports = { nodeAppConfig };
