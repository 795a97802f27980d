// @ts-check
import js from '@eslint/js';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

/**
 * Every Node built-in, from Node itself rather than a hand-kept list (which missed `timers/promises`, `vm` and
 * more): replayed code may import none of them, with or without the `node:` prefix.
 */
const nodeBuiltins = [...new Set(builtinModules.map((name) => name.replace(/^node:/, '')))];
const builtinImportBans = (message) =>
  nodeBuiltins.flatMap((name) => [
    { name, message, allowTypeImports: true },
    { name: `node:${name}`, message, allowTypeImports: true },
  ]);

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      '.rpcopy/**',
      'test/**/apps/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
      'prefer-const': 'error',
      curly: ['error', 'all'],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/dev/**', '../dev/*', '../../dev/*'],
              message: 'Production code must not import offline tooling under dev/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/orchestrators/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: builtinImportBans('Orchestrators are replayed: no Node built-ins.'),
          patterns: [
            { group: ['@azure/*'], message: 'Orchestrators hold no SDK code.', allowTypeImports: true },
            {
              group: ['**/activities/**', '**/azure/**', '**/dev/**'],
              message: 'Orchestrators schedule activities by name; they never import side-effect code.',
              allowTypeImports: true,
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Use context.df.currentUtcDateTime.' },
        { object: 'Math', property: 'random', message: 'Orchestrators must be deterministic.' },
        {
          object: 'process',
          property: 'env',
          message: 'Orchestrators never read configuration; pass it in the input.',
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Use context.df.currentUtcDateTime.',
        },
        {
          selector: 'CallExpression[callee.name=/^(setTimeout|setInterval|setImmediate)$/]',
          message: 'Use durable timers.',
        },
        {
          selector:
            'FunctionDeclaration[async=true], ArrowFunctionExpression[async=true], FunctionExpression[async=true]',
          message: 'Orchestrators are generators, never async.',
        },
      ],
    },
  },
  {
    // The orchestrator runs the domain at replay, so the domain is held to the same purity for imports.
    files: ['src/domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: builtinImportBans('The domain runs inside replayed orchestrators: no Node built-ins.'),
          patterns: [
            { group: ['@azure/*'], message: 'The domain holds no SDK code.', allowTypeImports: true },
            {
              group: ['**/activities/**', '**/azure/**', '**/dev/**', '**/services/**', '**/http/**'],
              message: 'The domain is pure: it imports only other domain modules.',
              allowTypeImports: true,
            },
          ],
        },
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
      '@typescript-eslint/no-unsafe-return': 'off',
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'CallExpression[callee.object.name=/^(it|test|describe)$/][callee.property.name=/^(only|skip)$/]',
          message: 'No focused or skipped tests in commits.',
        },
      ],
    },
  },
);
