import type { CredentialKind } from './credentials.js';
import type { ServiceDomains } from './csds.js';

/**
 * What a login hands out: who the agent is, the bearer for the websocket, and what a refresh needs.
 * Holds secrets (`bearer`, `csrf`, `cookie`): keep it out of logs.
 *
 * @example
 * const session: Session = await login({ accountId, username: 'bot', password });
 * const url = `${wsBase(session.domains['facadeMsg'] ?? '')}/ws_api/account/${session.accountId}/messaging/brand/${session.bearer}?v=2.1`;
 */
export interface Session {
  readonly accountId: string;
  /** Numeric LivePerson user id, as a string (`config.userId`). */
  readonly userId: string;
  /** The user's UUID (`config.userPid`): the id users see on participants. */
  readonly userPid?: string;
  /** `${accountId}.${userId}`: the agent's id in request bodies and legacy participant lists. */
  readonly legacyId: string;
  /** Token for the websocket URL and API calls. */
  readonly bearer: string;
  /** Needed by refresh and logout; absent for token sessions. */
  readonly csrf?: string;
  /** The login's cookies as a `Cookie` header value (`Session_id=...`), sent back on refresh. */
  readonly cookie?: string;
  /** How long the server keeps the session alive without a refresh, in ms. */
  readonly sessionTtl?: number;
  /** The account's hosts by service name. */
  readonly domains: ServiceDomains;
  readonly kind: CredentialKind;
  /** When the session was obtained, by the `now` clock of `AuthOptions`, in ms. */
  readonly issuedAt: number;
}
