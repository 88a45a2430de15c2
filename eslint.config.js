import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

// Import rules keep the layout honest (docs/decisions/009-layout.md): lib/ is ground, the emulator is loaded only
// by the demo-mode entry point, client features don't import each other, and the client sees only the server's
// contract types. `no-cycle` makes the import graph a DAG.
export default tseslint.config(
  {
    ignores: [
      'node_modules',
      'dist',
      'data',
      'server/src/generated',
      'test-results',
      'playwright-report',
      'bench/results',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['**/*.{js,mjs,ts}'], ignores: ['client/src/**'], languageOptions: { globals: globals.node } },
  { files: ['client/src/**/*.{ts,tsx}'], languageOptions: { globals: globals.browser } },
  {
    files: ['client/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      // the dashboard shares only the contracts with the server (the alias resolves nothing else either)
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(@contract/(?!(contract|realtime/contract)\\.ts$)|.*/server/)',
              message: 'Import from the server only @contract/contract.ts and @contract/realtime/contract.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: [
      'server/**/*.ts',
      'emulator/**/*.ts',
      'client/src/**/*.{ts,tsx}',
      'bench/**/*.ts',
      'e2e/**/*.ts',
      'scripts/**/*.ts',
    ],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [
        createTypeScriptImportResolver({
          project: ['tsconfig.json', 'client/tsconfig.json'],
          noWarnOnMultipleProjects: true,
        }),
      ],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: 'server/src/lib',
              from: 'server/src',
              except: ['./lib', './generated'],
              message: 'lib/ is the ground floor: it imports no feature.',
            },
            ...['clerk', 'sync'].map((f) => ({
              target: `server/src/${f}`,
              from: 'server/src',
              except: [`./${f}`, './lib'],
              message: `${f}/ sits just above lib/: it imports no other feature.`,
            })),
            {
              target: 'emulator',
              from: 'server',
              except: ['./src/lib', './src/clerk/clerk-json.ts', './src/test'],
              message: "The emulator is a separate package: it uses only the server's lib/ and Clerk wire types.",
            },
            {
              target: 'server/src',
              from: 'emulator',
              message: 'Production code never loads the emulator; only index.ts imports it, dynamically, in demo mode.',
            },
            {
              target: 'client/src',
              from: 'server',
              except: ['./src/contract.ts', './src/realtime/contract.ts'],
              message: "The client imports only the server's contract types.",
            },
            ...[
              'admin',
              'audit',
              'auth',
              'deliveries',
              'drift',
              'events',
              'overview',
              'users',
              'organizations',
              'incidents',
            ].map((f) => ({
              target: `client/src/features/${f}`,
              from: 'client/src/features',
              except: [`./${f}`],
              message: 'Client features do not import each other; share through client/src/components or lib.',
            })),
          ],
        },
      ],
    },
  },
  {
    // Tests, test support and the demo-mode entry point may load the emulator.
    files: ['server/src/**/*.test.ts', 'server/src/test/**', 'server/src/index.ts'],
    rules: { 'import-x/no-restricted-paths': 'off' },
  },
  prettier,
);
