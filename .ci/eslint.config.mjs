// Lint config lives under .ci/ to keep the project's top level as DEVELOPERS.md lays it out.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Code that must replay exactly from a seed (SIMULATION.md §1): time only through the injected
// scheduler/clock, randomness only through the injected seeded source. src/runtime is the one
// place the process's clock and randomness are read, and handed in as defaults.
const deterministicFiles = ['src/emulator/engine/**/*.ts', 'src/agent/**/*.ts', 'src/auth/**/*.ts'];
const useInjected =
  'Deterministic code: use the injected clock/scheduler (engine: state.clock; agent: options.now / the scheduler) or the injected randomness (engine: state.random; agent: options.random / newId), never global time or randomness.';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: deterministicFiles,
    rules: {
      'no-restricted-globals': [
        'error',
        ...['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate', 'performance'].map((name) => ({ name, message: useInjected })),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: useInjected },
        { object: 'Math', property: 'random', message: useInjected },
        { object: 'crypto', property: 'randomUUID', message: useInjected },
        { object: 'performance', property: 'now', message: useInjected },
      ],
      'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: useInjected }],
    },
  },
);
