/**
 * The browser side of the platform split: what bundlers targeting browsers load instead of
 * `platform.ts` (package.json `browser` field). No `ws`, no Node built-ins.
 */
import { SocketError } from '../domain/errors.js';
import { openBrowserSocket } from './browserSocket.js';
import type { SocketFactory } from './types.js';

/**
 * Not available in browsers (it is the `ws` adapter): throws a `SocketError` saying so.
 *
 * @example
 * createAgent({ ...creds, socketFactory: openBrowserSocket }); // in a browser, the default anyway
 */
export const openNodeSocket: SocketFactory = () => {
  throw new SocketError('openNodeSocket needs Node (the ws package); in a browser use openBrowserSocket, the default there');
};

/**
 * The socket factory `createAgent` uses when none is given: `openBrowserSocket` in browser bundles.
 *
 * @example
 * const socket = defaultSocketFactory(url, handlers);
 */
export const defaultSocketFactory: SocketFactory = openBrowserSocket;
