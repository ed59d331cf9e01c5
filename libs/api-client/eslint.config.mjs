import baseConfig from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    // Written by @hey-api/openapi-ts (tools/generate-client.mjs): style rules do not apply, the
    // module-boundary rules from the base config still do.
    files: ['src/generated/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': 'off',
    },
  },
];
