import baseConfig from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    // `@tft/api-keys` stays framework-free: only `@tft/api-keys/nest` (src/nest) may use Nest.
    files: ['src/index.ts', 'src/lib/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@nestjs/*', 'express', 'rxjs', 'reflect-metadata'],
              message: 'Nest belongs in src/nest (@tft/api-keys/nest).',
            },
            {
              group: ['**/nest', '**/nest/*', '@tft/api-keys/nest'],
              message: 'The framework-free entry point must not pull in the Nest one.',
            },
          ],
        },
      ],
    },
  },
];
