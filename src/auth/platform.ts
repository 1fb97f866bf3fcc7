/**
 * The Node side of the auth platform split. Browsers get `browserPlatform.ts` in its place
 * (the `browser` export condition, and the `browser` field for the sources), so browser bundles never see `node:https`.
 */
export { fetchTrusting } from './trustingFetch.js';
