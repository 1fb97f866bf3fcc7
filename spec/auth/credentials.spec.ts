import { credentialKind, credentialSecrets, missingCredentialField, type Credentials } from '../../src/auth/credentials.js';
import { ASSERTION, OAUTH, PASSWORD } from './fakeLivePerson.js';

describe('credentialKind', () => {
  it('tells the four kinds apart by their fields', () => {
    const token: Credentials = { accountId: '1', token: 't', userId: 7 };
    expect([PASSWORD, OAUTH, ASSERTION, token].map(credentialKind)).toEqual(['password', 'oauth', 'assertion', 'token']);
  });
});

describe('missingCredentialField', () => {
  it('names the first empty or absent required field', () => {
    expect(missingCredentialField({ ...PASSWORD, password: '' })).toBe('password');
    const untyped: unknown = JSON.parse('{"accountId":"1","username":"bot","appKey":"k","secret":"s","accessToken":"a"}');
    expect(missingCredentialField(untyped as Credentials)).toBe('accessTokenSecret');
  });

  it('accepts complete credentials, numeric userId included', () => {
    expect([PASSWORD, OAUTH, ASSERTION, { accountId: '1', token: 't', userId: 7 }].map(missingCredentialField)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('credentialSecrets', () => {
  it('lists every secret value of a kind', () => {
    expect(credentialSecrets(PASSWORD)).toEqual([PASSWORD.password]);
    expect(credentialSecrets(OAUTH)).toEqual([OAUTH.appKey, OAUTH.secret, OAUTH.accessToken, OAUTH.accessTokenSecret]);
    expect(credentialSecrets(ASSERTION)).toEqual([ASSERTION.assertion]);
  });
});
