/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/spec/tsconfig.json' }],
    // Angular's packages are ESM-only; only they go through this transformer (see spec/angular).
    '^.+/node_modules/@angular/.+\\.mjs$': '<rootDir>/spec/angular/esmTransformer.mjs',
  },
  transformIgnorePatterns: ['/node_modules/(?!@angular/)'],
  // Sources import siblings with a `.js` suffix (valid ESM); map them back to the `.ts` files.
  // Docs examples import the package by name, as users do: point it at the sources, never a stale dist/.
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    '^lp-agent-rx$': '<rootDir>/src/index.ts',
    '^lp-agent-rx/(testing|emulator|nest|angular|cluster|otel)$': '<rootDir>/src/$1/index.ts',
  },
  testTimeout: 20000,
};
