/**
 * The browser side of the auth platform split: what bundlers targeting browsers load instead of
 * `platform.ts` (package.json `browser` field). No Node built-ins.
 */

/**
 * In a browser, the global `fetch`: pages cannot add a CA per call, the browser trusts its own
 * certificate store only. Install the certificate there (or reach a loopback emulator over plain
 * http) instead.
 *
 * @example
 * const options: AuthOptions = { fetch: fetchTrusting(ca) }; // the same as the global fetch here
 */
export function fetchTrusting(ca: string | Uint8Array): typeof fetch {
  void ca;
  return (input, init) => globalThis.fetch(input, init);
}
