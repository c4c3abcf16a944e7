import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const COMMANDER = { name: 'commander', allowTypeImports: true, message: "import commander's values from src/cli/commander.js" };
// The AWS SDK's client packages through require (src/aws/sdk.ts): an ESM import of one makes Node
// parse its source twice more (format detection, export names), 270 ms of CPU for client-ec2 (issue 21).
const AWS_SDK = ['ec2', 'sqs', 'sts', 'eks', 's3'].map((s) => ({ name: `@aws-sdk/client-${s}`, allowTypeImports: true, message: 'load the AWS SDK through src/aws/sdk.js (require, on first use); type imports are fine' }));
// zod through require (src/runtime/zod.ts): its ESM entry is 95 files through Node's ES module loader (issue 21).
const ZOD = { name: 'zod', allowTypeImports: true, message: 'import z from src/runtime/zod.js (require: the compile cache applies); type imports are fine' };
const NO_CLI = { group: ['**/cli/*', '**/cli/**'], message: 'only src/cli/ wires the commands: import from src/runtime/ (run-shell, io) instead' };

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
      'no-restricted-imports': ['error', { paths: [COMMANDER, ZOD, ...AWS_SDK] }],
    },
  },
  {
    // Layers (issue 17): src/cli/ wires the commands; nothing below it imports from it (the run shell
    // and the IO types live in src/runtime/). Metrics read reports, never a command's internals.
    files: ['src/commands/**/*.ts', 'src/runtime/**/*.ts', 'src/pool/**/*.ts', 'src/state/**/*.ts', 'src/aws/**/*.ts', 'src/evalai/**/*.ts', 'src/simulate/**/*.ts', 'src/sandbox/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [COMMANDER, ZOD, ...AWS_SDK], patterns: [NO_CLI] }],
    },
  },
  {
    files: ['src/metrics/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [COMMANDER, ZOD, ...AWS_SDK], patterns: [NO_CLI, { group: ['**/commands/*', '**/commands/**'], message: 'metrics read reports (src/pool/run-report.ts, src/core/report.ts), never a command module' }] }],
    },
  },
);
