import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'data', 'server/src/generated', 'test-results', 'playwright-report'] },
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
);
