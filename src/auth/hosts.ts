// A host as CSDS lists it or a user configures it: a DNS name or IPv4, or a bracketed IPv6, with an
// optional port. Anything else (userinfo, path, scheme) is refused before it reaches a URL.
const hostPattern = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * Whether `host` is a well-formed `name[:port]`, `ipv4[:port]` or `[ipv6][:port]`, with nothing else.
 *
 * @example
 * isValidHost('va.agentvep.liveperson.net'); // true
 * isValidHost('evil.example@127.0.0.1');      // false
 */
export function isValidHost(host: string): boolean {
  if (!hostPattern.test(host)) return false;
  try {
    new URL(`http://${host}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether `host` (with or without a port) is on the loopback interface: 127.0.0.0/8, `localhost`
 * or `[::1]`. Only those may be spoken to over plain http/ws.
 *
 * @example
 * isLoopbackHost('127.0.0.1:8080'); // true
 * isLoopbackHost('[::1]');          // true
 * isLoopbackHost('localhost.example.com'); // false
 */
export function isLoopbackHost(host: string): boolean {
  if (!isValidHost(host)) return false;
  // The WHATWG parser normalises the way fetch will: `127.1` → `127.0.0.1`, `[0::1]` → `[::1]`.
  const { hostname } = new URL(`http://${host}`);
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function useTls(host: string, secure: boolean | undefined): boolean {
  return secure === true || !isLoopbackHost(host);
}

/**
 * The `scheme://host` to reach `host` over HTTP. Plain http only for loopback hosts (their default
 * unless `secure` is true); any other host is https whatever `secure` says.
 *
 * @example
 * httpBase('127.0.0.1:8080');              // 'http://127.0.0.1:8080'
 * httpBase('127.0.0.1:8080', true);        // 'https://127.0.0.1:8080'
 * httpBase('lo.agentvep.liveperson.net', false); // 'https://lo.agentvep.liveperson.net'
 */
export function httpBase(host: string, secure?: boolean): string {
  return `${useTls(host, secure) ? 'https' : 'http'}://${host}`;
}

/**
 * The `scheme://host` to reach `host` over a websocket, by the same rule as `httpBase`.
 *
 * @example
 * wsBase('127.0.0.1:8080');               // 'ws://127.0.0.1:8080'
 * wsBase('va.facade-msg.liveperson.net'); // 'wss://va.facade-msg.liveperson.net'
 */
export function wsBase(host: string, secure?: boolean): string {
  return `${useTls(host, secure) ? 'wss' : 'ws'}://${host}`;
}
