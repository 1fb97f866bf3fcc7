/**
 * The Node side of the auth platform split. Bundlers that target browsers replace this file with
 * `platform.browser.ts` (package.json `browser` field), so browser bundles never see `node:https`.
 */
export { fetchTrusting } from './trustingFetch.js';
