/**
 * The package as users install it: the CommonJS output of the tshy build under `dist/` (what
 * `require('lp-agent-rx')` loads; the ESM output runs the same code), typed by its sources.
 * `npm run bench` builds it first. Measuring the sources through tsx would measure tsx's module
 * interop instead: every cross-module read becomes a getter call, about 2 µs per message here.
 *
 * @example
 * const { createAgent } = built<typeof import('../../src/index.js')>('index.js');
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../dist/commonjs');

/** Loads one entry of the built package (`index.js`, `otel/index.js`, ...). */
export function built<M>(entry: string): M {
  const path = join(root, entry);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` (npm run bench does) first`);
  // A plain require of the built file: its types are the sources' (the caller names them).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path) as M;
}
