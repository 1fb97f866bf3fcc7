export * from './types.js';
export { openBrowserSocket } from './browserSocket.js';
// `./platform.js` is swapped for `./browserPlatform.js` by bundlers targeting browsers.
export { openNodeSocket } from './platform.js';
