import * as t from 'io-ts';
import { AuthFailed } from '../domain/errors.js';
import { decodeBody, send } from './http.js';
import { resolveAuthOptions, type AuthOptions, type ResolvedAuthOptions } from './options.js';

/**
 * Hosts (no scheme) by CSDS service name, e.g. `{ agentVep: 'va.agentvep.liveperson.net', facadeMsg: ... }`.
 *
 * @example
 * const domains: ServiceDomains = await csds.resolve('12345678');
 * domains['facadeMsg']; // 'va.facade-msg.liveperson.net'
 */
export type ServiceDomains = Readonly<Record<string, string>>;

/**
 * Services a logged-in agent needs: `agentVep` for login and refresh, `facadeMsg` for the websocket.
 *
 * @example
 * await csds.resolve(accountId, DEFAULT_SERVICES);
 */
export const DEFAULT_SERVICES: readonly string[] = ['agentVep', 'facadeMsg'];

/**
 * Looks up an account's service hosts.
 *
 * @example
 * const csds: CsdsClient = createCsdsClient();
 * const { agentVep } = await csds.resolve('12345678');
 */
export interface CsdsClient {
  /**
   * The account's hosts, `AuthOptions.domains` taking precedence. Rejects with a fatal `AuthFailed`
   * (stage `csds`) when one of `services` is neither listed by CSDS nor overridden.
   */
  resolve(accountId: string, services?: readonly string[]): Promise<ServiceDomains>;
}

/** CSDS's answer: extra fields are allowed and ignored. */
const BaseUriResponse = t.type({
  baseURIs: t.array(t.type({ service: t.string, account: t.union([t.string, t.number]), baseURI: t.string })),
});

/**
 * A CSDS client with its own cache: an answer is reused for `csdsTtl` ms per account, concurrent
 * lookups of an account share one request, and failures are not cached. When every service asked
 * for is in `options.domains`, no request is made.
 *
 * @example
 * const csds = createCsdsClient({ csdsDomain: 'api.liveperson.net' });
 * const domains = await csds.resolve('12345678'); // GET https://api.liveperson.net/api/account/12345678/service/baseURI.json?version=1.0
 * const again = await csds.resolve('12345678');   // served from the cache
 */
export function createCsdsClient(options: AuthOptions = {}): CsdsClient {
  const resolved = resolveAuthOptions(options);
  const cache = new Map<string, { readonly domains: Promise<ServiceDomains>; expiresAt: number }>();

  const lookup = (accountId: string): Promise<ServiceDomains> => {
    const hit = cache.get(accountId);
    if (hit !== undefined && resolved.now() < hit.expiresAt) return hit.domains;
    const entry = { domains: fetchDomains(accountId, resolved), expiresAt: Number.POSITIVE_INFINITY };
    cache.set(accountId, entry);
    entry.domains.then(
      () => {
        entry.expiresAt = resolved.now() + resolved.csdsTtl;
      },
      () => {
        if (cache.get(accountId) === entry) cache.delete(accountId);
      },
    );
    return entry.domains;
  };

  return {
    async resolve(accountId, services = DEFAULT_SERVICES) {
      if (accountId === '') throw new AuthFailed('CSDS lookup needs an accountId', 'csds', true);
      const overrides = resolved.domains;
      const listed = services.every((service) => overrides[service] !== undefined) ? {} : await lookup(accountId);
      const domains: Record<string, string> = { ...listed, ...overrides };
      const missing = services.filter((service) => domains[service] === undefined);
      if (missing.length > 0) {
        throw new AuthFailed(`CSDS lists no ${missing.join(', ')} host for account ${accountId}`, 'csds', true);
      }
      return Object.freeze(domains);
    },
  };
}

async function fetchDomains(accountId: string, options: ResolvedAuthOptions): Promise<ServiceDomains> {
  const what = `CSDS lookup for account ${accountId}`;
  const response = await send(
    {
      stage: 'csds',
      what,
      host: options.csdsDomain,
      path: `/api/account/${encodeURIComponent(accountId)}/service/baseURI.json?version=1.0`,
      method: 'GET',
      secrets: [],
      fatalOn4xx: true,
      minRetryAfterMs: 1_000,
    },
    options,
  );
  const { baseURIs } = decodeBody(BaseUriResponse, response.text, what, 'csds');
  return Object.freeze(Object.fromEntries(baseURIs.map(({ service, baseURI }) => [service, baseURI])));
}
