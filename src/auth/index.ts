/**
 * Authentication against LivePerson: CSDS domain lookup, login with any of four credential kinds,
 * session refresh and logout. Every failure is an `AuthFailed` with a `stage` and `fatal`.
 *
 * @example
 * import { createCsdsClient, login, refreshSession } from './auth/index.js';
 * const session = await login({ accountId, username, password }, options, createCsdsClient(options));
 * await refreshSession(session, options);
 */
export {
  credentialKind,
  type AssertionCredentials,
  type CredentialKind,
  type Credentials,
  type OAuthCredentials,
  type PasswordCredentials,
  type TokenCredentials,
} from './credentials.js';
export { type AuthOptions } from './options.js';
// `./platform.js` is swapped for `./browserPlatform.js` by bundlers targeting browsers.
export { fetchTrusting } from './platform.js';
export { httpBase, isLoopbackHost, wsBase } from './hosts.js';
export { createCsdsClient, DEFAULT_SERVICES, type CsdsClient, type ServiceDomains } from './csds.js';
export { type Session } from './session.js';
export { login } from './login.js';
export { logout, refreshSession } from './refresh.js';
