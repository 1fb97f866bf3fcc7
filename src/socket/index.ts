export * from './types.js';
export { openNodeSocket } from './nodeSocket.js';
