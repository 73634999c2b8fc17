// Lint for the whole package; `npm run lint` runs it (and Prettier's check) as part of `npm test`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import lit from 'eslint-plugin-lit';
import litA11y from 'eslint-plugin-lit-a11y';
import wc from 'eslint-plugin-wc';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'storybook-static/', 'node_modules/', 'examples/*/dist/', 'examples/*/.angular/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      // Unused names are errors, except the deliberate `_ignored` of a destructuring that drops fields.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // Type-aware promise rules: a promise nobody awaits or handles loses its rejection, and an async callback
    // where a void one is expected (an event listener, a forEach) runs unsupervised. Every TS file belongs to
    // one of the five tsconfigs (the first that includes it types it); the root's tool configs, in none, get
    // the default project below.
    files: ['**/*.ts', '**/*.mts'],
    ignores: ['examples/angular/**'],
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.json', './src/tsconfig.json', './console/tsconfig.json', './.storybook/tsconfig.json', './demo/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    files: ['*.ts', '*.mts'],
    languageOptions: {
      parserOptions: { project: null, projectService: { allowDefaultProject: ['*.ts'] }, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    // Lit, custom-element and template accessibility rules for the components, the console and the stories.
    files: ['src/**/*.ts', 'console/**/*.ts', 'stories/**/*.ts'],
    ...lit.configs['flat/recommended'],
  },
  {
    files: ['src/**/*.ts', 'console/**/*.ts', 'stories/**/*.ts'],
    ...wc.configs['flat/recommended'],
    // The components extend LitElement, not HTMLElement directly (the console's pages through ConsolePage).
    settings: { wc: { elementBaseClasses: ['LitElement', 'ConsolePage'] } },
  },
  { files: ['src/**/*.ts', 'console/**/*.ts', 'stories/**/*.ts'], ...litA11y.configs.recommended },
  {
    // The backend's arrows point into http/, never out of it: services throw DomainError (errors.ts) and
    // parse with identifier.ts, and only the composition roots wire the routes.
    files: ['server-mock/src/**/*.ts'],
    ignores: ['server-mock/src/http/**', 'server-mock/src/app.ts', 'server-mock/src/backend.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\./|(\\.\\./)+)http/',
              message: 'Only http/, app.ts and backend.ts import from http/: throw a DomainError (errors.ts), parse with identifier.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    // Migrations run against the schema as it was at that step, not today's types: Kysely's own advice.
    files: ['server-mock/src/storage/migrations.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The policy engine is pure (DESIGN.md): documents, CEL, planner, judge and explanation take events and
    // statistics and return a decision. Storage, HTTP, the bus, users, config and files are workflows/'s
    // business, never policy/'s, tests included (a test that starts a backend belongs in workflows/).
    // The typescript-eslint twin of no-restricted-imports, so a core no-restricted-imports block for other
    // files does not replace these options on policy/ (flat config keeps one option set per rule name).
    files: ['server-mock/src/policy/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(storage|http|events|users|config|workflows|stepup|factors|tokens|ueba|sdk)(/|$)',
              message: 'policy/ is the pure engine: it owns its types (statistics.ts, decision.ts); I/O and services live in workflows/.',
            },
            {
              regex: '^(\\.\\./)+(app|backend|metrics|logger|test-support/backend)\\.js$',
              message: 'policy/ is the pure engine: it builds no app, logs nothing and starts no backend; that is workflows/.',
            },
            {
              regex: '^(node:)?(fs|net|http|https|child_process|worker_threads)(/.*)?$',
              message: 'policy/ does no I/O: workflows/folder.ts reads the documents.',
            },
          ],
        },
      ],
    },
  },
  {
    // The protocol is what the browser bundle shares with the backend: it may import only its own modules,
    // and libraries' types, so no server code can reach the bundle through it.
    files: ['server-mock/src/protocol/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(?!\\./)', allowTypeImports: true, message: 'protocol/ imports only its own modules (and types): the browser bundle takes it whole.' },
          ],
        },
      ],
    },
  },
  {
    // The browser library takes from the backend's tree only the protocol (wire types, paths, error codes, face
    // settings); anything else would be server code in the bundle.
    files: ['src/**/*.ts'],
    ignores: ['**/*.node.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ regex: 'server-mock/(?!src/protocol/)', message: 'The browser imports from server-mock/ only src/protocol/ (ARCHITECTURE.md).' }] },
      ],
    },
  },
  {
    // The console also edits and checks workflow documents with the pure engine itself (policy/ does no I/O).
    files: ['console/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: 'server-mock/(?!src/(protocol|policy)/)',
              message: 'The console imports from server-mock/ only src/protocol/ and the pure src/policy/ (ARCHITECTURE.md).',
            },
          ],
        },
      ],
    },
  },
  {
    // The SDK's default logger is the console, by design.
    files: ['server-mock/src/sdk/logger.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    // Tests and scripts print and may poke at loosely typed documents on purpose.
    files: ['**/*.test.ts', 'scripts/**/*.ts', '**/test-support/**/*.ts'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Product code reads in one screen per function: a route module, a service verb, a flow step, a render
    // part. Longer means two meanings; split by meaning (ARCHITECTURE.md). Contract tests and migrations are
    // long lists by nature.
    files: ['server-mock/src/**/*.ts', 'src/**/*.ts', 'console/**/*.ts'],
    ignores: ['**/*.test.ts', '**/test-support/**', 'server-mock/src/storage/storage.contract.ts', 'server-mock/src/storage/migrations.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }] },
  },
);
