/**
 * Logs in as a LivePerson user with a login name and password.
 *
 * @example
 * const credentials: PasswordCredentials = { accountId: '12345678', username: 'bot', password: process.env.LP_PASSWORD ?? '' };
 */
export interface PasswordCredentials {
  readonly accountId: string;
  readonly username: string;
  readonly password: string;
}

/**
 * Logs in as a LivePerson user with the OAuth1 keys of an installed application (bot users).
 *
 * @example
 * const credentials: OAuthCredentials = { accountId, username: 'bot', appKey, secret, accessToken, accessTokenSecret };
 */
export interface OAuthCredentials {
  readonly accountId: string;
  readonly username: string;
  readonly appKey: string;
  readonly secret: string;
  readonly accessToken: string;
  readonly accessTokenSecret: string;
}

/**
 * Logs in with a SAML assertion from the brand's identity provider (SSO).
 *
 * @example
 * const credentials: AssertionCredentials = { accountId, assertion: samlResponseBase64 };
 */
export interface AssertionCredentials {
  readonly accountId: string;
  readonly assertion: string;
}

/**
 * A bearer token the caller obtained elsewhere: no login call is made, and the session cannot be
 * refreshed (LivePerson's refresh needs the csrf and cookie that only a login hands out).
 *
 * @example
 * const credentials: TokenCredentials = { accountId, token: bearer, userId: '4411' };
 */
export interface TokenCredentials {
  readonly accountId: string;
  readonly token: string;
  /** The numeric LivePerson user id (`config.userId` of a login), as a string or a number. */
  readonly userId: string | number;
  /** The user's UUID (`config.userPid`), when known. */
  readonly userPid?: string;
}

/**
 * Any of the four ways to authenticate, told apart by their fields.
 *
 * @example
 * const session = await login({ accountId, username: 'bot', password });
 */
export type Credentials = PasswordCredentials | OAuthCredentials | AssertionCredentials | TokenCredentials;

/**
 * The name of a credential kind, as `credentialKind` returns it and `Session.kind` records it.
 *
 * @example
 * const kind: CredentialKind = 'oauth';
 */
export type CredentialKind = 'password' | 'oauth' | 'assertion' | 'token';

/**
 * Tells which kind of credentials these are, from their fields.
 *
 * @example
 * credentialKind({ accountId, token, userId: '4411' }); // 'token'
 * credentialKind({ accountId, username, password }); // 'password'
 */
export function credentialKind(credentials: Credentials): CredentialKind {
  if ('token' in credentials) return 'token';
  if ('assertion' in credentials) return 'assertion';
  if ('appKey' in credentials) return 'oauth';
  return 'password';
}

const requiredFields: Readonly<Record<CredentialKind, readonly string[]>> = {
  password: ['accountId', 'username', 'password'],
  oauth: ['accountId', 'username', 'appKey', 'secret', 'accessToken', 'accessTokenSecret'],
  assertion: ['accountId', 'assertion'],
  token: ['accountId', 'token', 'userId'],
};

/**
 * The first required field that is missing or empty, for callers whose credentials come from
 * untyped config (environment, JSON). Names the field, never its value.
 *
 * @example
 * missingCredentialField({ accountId: '1', username: 'bot', password: '' }); // 'password'
 */
export function missingCredentialField(credentials: Credentials): string | undefined {
  const fields = new Map<string, unknown>(Object.entries(credentials));
  return requiredFields[credentialKind(credentials)].find((name) => {
    const value = fields.get(name);
    return !((typeof value === 'string' && value !== '') || (typeof value === 'number' && Number.isFinite(value)));
  });
}

/**
 * The secret values in these credentials, to be scrubbed from any server text quoted in an error.
 *
 * @example
 * credentialSecrets({ accountId, username: 'bot', password: 'pw' }); // ['pw']
 */
export function credentialSecrets(credentials: Credentials): readonly string[] {
  if ('token' in credentials) return [credentials.token];
  if ('assertion' in credentials) return [credentials.assertion];
  if ('appKey' in credentials) {
    return [credentials.appKey, credentials.secret, credentials.accessToken, credentials.accessTokenSecret];
  }
  return [credentials.password];
}
