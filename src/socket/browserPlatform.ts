/**
 * The browser side of the platform split: what browsers load instead of `platform.ts`. The
 * package's `browser` export condition points at a build (`dist/browser`, tshy's browser dialect,
 * through `platform-browser.mts`) where this replaces `platform.ts`; the `browser` field does the
 * same for bundlers working from the sources. No `ws`, no Node built-ins.
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
