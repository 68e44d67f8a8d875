// ESLint flat config: typescript-eslint recommendedTypeChecked plus the project boundaries (style.md B4).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const restrictCore = {
  patterns: [
    { group: ['node:*'], message: 'src/core is pure: no node:* imports' },
    {
      group: [
        'yaml',
        'ajv',
        'ajv-formats',
        'chokidar',
        'fastify',
        'pino',
        'better-sqlite3',
        'ipaddr.js',
      ],
      message: 'src/core is pure: no third-party runtime dependencies',
    },
    {
      group: ['../config/*', '../exabgp/*', '../ledger/*', '../runtime/*', '../http/*', '../cli/*'],
      message: 'core imports only core',
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'bench/**',
      'scripts/**',
      'examples/**',
      '*.config.*',
      'src/config/routes-validator.generated.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: ['./tsconfig.test.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/main.ts', 'src/cli/**', 'src/exabgp/io/writer.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'stdout', message: "stdout is ExaBGP's command channel" },
        { object: 'process', property: 'exit', message: 'only main.ts exits the process' },
      ],
    },
  },
  { files: ['src/core/**/*.ts'], rules: { 'no-restricted-imports': ['error', restrictCore] } },
  {
    files: ['src/config/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../exabgp/*', '../ledger/*', '../runtime/*', '../http/*', '../cli/*'],
              message: 'config must not import exabgp, ledger, runtime, http or cli',
            },
          ],
        },
      ],
    },
  },
  {
    // How we talk to ExaBGP: the dialects and encoders are pure; io/ holds the process I/O.
    files: ['src/exabgp/*.ts'],
    ignores: ['src/exabgp/io/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'src/exabgp encoders and parsers are pure' },
            {
              group: ['../ledger/*', '../runtime/*', '../http/*', '../cli/*', './io/*'],
              message: 'src/exabgp encoders and parsers import only core, config and exabgp',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/exabgp/io/**/*.ts', 'src/ledger/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../../http/*', '../../cli/*', '../http/*', '../cli/*'],
              message: 'no http or cli here',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/runtime/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../http/*', '../cli/*'], message: 'runtime must not import http or cli' },
          ],
        },
      ],
    },
  },
  {
    // The desired-state seam: sources load and signal; no http, cli or ExaBGP I/O.
    files: ['src/sources/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../http/*', '../cli/*', '../exabgp/*'],
              message: 'sources must not import http, cli or exabgp',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../cli/*'], message: 'http must not import cli' }] },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
