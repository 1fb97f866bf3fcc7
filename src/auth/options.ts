import { systemNow } from '../runtime/index.js';
import { fetchTrusting } from './platform.js';

/**
 * How auth reaches LivePerson. Every field is optional; the defaults talk to production.
 *
 * @example
 * const options: AuthOptions = { domains: { agentVep: '127.0.0.1:8080', facadeMsg: '127.0.0.1:8080' } };
 */
export interface AuthOptions {
  /** Host of the domain lookup service. Default `adminlogin.liveperson.net`. */
  readonly csdsDomain?: string;
  /**
   * Hosts by CSDS service name (`agentVep`, `facadeMsg`, ...), taking precedence over CSDS. When
   * every service needed is listed here, CSDS is not called at all.
   */
  readonly domains?: Partial<Record<string, string>>;
  /** How long a CSDS answer is reused, in ms. Default 60 000. */
  readonly csdsTtl?: number;
  /**
   * https/wss when true. By default loopback hosts (127.0.0.0/8, localhost, [::1]) use plain
   * http/ws and every other host TLS; other hosts always use TLS, whatever this says.
   */
  readonly secure?: boolean;
  /** The `fetch` to use. Default the global one; inject to add a proxy or stub the network. */
  readonly fetch?: typeof fetch;
  /**
   * Extra CA certificate (PEM) to trust over TLS, e.g. the emulator's self-signed one. Auth calls
   * then go through `fetchTrusting(ca)` unless `fetch` is given; the websocket trusts it too.
   */
  readonly ca?: string | Buffer;
  /** `User-Agent` sent on every auth call. Default `lp-agent-rx`. */
  readonly userAgent?: string;
  /** Timeout of each auth HTTP call (CSDS, login, refresh, logout), in ms. Default 10 000. */
  readonly loginTimeout?: number;
  /** The clock, in ms since the epoch, for CSDS expiry and `Session.issuedAt`. Default the system clock. */
  readonly now?: () => number;
}

/**
 * `AuthOptions` with every default filled in.
 *
 * @example
 * const { csdsDomain } = resolveAuthOptions({}); // 'adminlogin.liveperson.net'
 */
export interface ResolvedAuthOptions {
  readonly csdsDomain: string;
  readonly domains: Readonly<Record<string, string>>;
  readonly csdsTtl: number;
  readonly secure: boolean | undefined;
  readonly fetch: typeof fetch;
  readonly userAgent: string;
  readonly loginTimeout: number;
  readonly now: () => number;
}

/**
 * Fills in the defaults of `AuthOptions`.
 *
 * @example
 * resolveAuthOptions({ csdsTtl: 5_000 }).loginTimeout; // 10_000
 */
export function resolveAuthOptions(options: AuthOptions = {}): ResolvedAuthOptions {
  const {
    csdsDomain = 'adminlogin.liveperson.net',
    domains = {},
    csdsTtl = 60_000,
    secure,
    ca,
    fetch: fetchImpl = ca === undefined ? globalThis.fetch : fetchTrusting(ca),
    userAgent = 'lp-agent-rx',
    loginTimeout = 10_000,
    now = systemNow,
  } = options;
  const overrides: Record<string, string> = {};
  for (const [service, host] of Object.entries(domains)) if (host !== undefined) overrides[service] = host;
  return {
    csdsDomain,
    domains: overrides,
    csdsTtl,
    secure,
    // Called unbound: a browser's fetch throws "Illegal invocation" when called as a method of another object.
    fetch: (input, init) => fetchImpl(input, init),
    userAgent,
    loginTimeout,
    now,
  };
}
