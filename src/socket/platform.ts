/**
 * The Node side of the platform split. Browsers get `browserPlatform.ts` in its place
 * (the `browser` export condition, and the `browser` field for the sources), so browser bundles never see `ws`.
 * Both files export the same names with the same types.
 */
import { openNodeSocket } from './nodeSocket.js';
import type { SocketFactory } from './types.js';

export { openNodeSocket };

/**
 * The socket factory `createAgent` uses when none is given: `openNodeSocket` in Node,
 * `openBrowserSocket` in browser bundles.
 *
 * @example
 * const socket = defaultSocketFactory(url, handlers);
 */
export const defaultSocketFactory: SocketFactory = openNodeSocket;
