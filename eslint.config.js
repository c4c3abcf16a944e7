import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // core knows targets, outcomes and the runner, never a particular source or client (docs/architecture.md).
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/evalai/*', '**/aws/*', '**/commands/*', '**/cli/*'], message: 'src/core/ must not depend on a source, a client or a command' }] }],
    },
  },
  {
    // --help and usage errors load commander through require (src/cli/commander.ts): its ESM entry
    // makes Node parse the CommonJS source for export names, about 5 ms of CPU every start (issue 13).
    files: ['src/**/*.ts'],
    ignores: ['src/cli/commander.ts', 'src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'commander', allowTypeImports: true, message: "import commander's values from src/cli/commander.js" }] }],
    },
  },
);
