import { createCsdsClient } from '../../src/auth/csds.js';
import { login } from '../../src/auth/login.js';
import type { AuthOptions } from '../../src/auth/options.js';
import type { AuthFailed } from '../../src/domain/errors.js';
import {
  ACCOUNT,
  ASSERTION,
  authFailure,
  BEARER,
  CSRF,
  OAUTH,
  PASSWORD,
  refusedHost,
  SESSION_ID,
  startFakeLivePerson,
  USER_ID,
  USER_PID,
  type FakeLivePerson,
} from './fakeLivePerson.js';

describe('login', () => {
  let fake: FakeLivePerson;
  let options: AuthOptions;
  beforeAll(async () => {
    fake = await startFakeLivePerson();
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.reset();
    options = { csdsDomain: fake.host, userAgent: 'spec-agent/1.0', now: () => 1_700_000_000_000 };
  });

  const loginRequest = () => {
    const request = fake.requests.find((r) => r.route === 'login');
    if (request === undefined) throw new Error('no login request was made');
    return request;
  };

  it('posts username and password, exactly, with JSON headers and the user agent', async () => {
    await login(PASSWORD, options);
    const request = loginRequest();
    expect(request.url).toBe(`/api/account/${ACCOUNT}/login?v=1.3`);
    expect(request.body).toStrictEqual({ username: 'bot', password: PASSWORD.password });
    expect(request.headers).toMatchObject({ 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'spec-agent/1.0' });
  });

  it('builds the session from the login answer, the CSDS hosts and the cookies', async () => {
    const session = await login(PASSWORD, options);
    expect(session).toEqual({
      accountId: ACCOUNT,
      userId: USER_ID,
      userPid: USER_PID,
      legacyId: `${ACCOUNT}.${USER_ID}`,
      bearer: BEARER,
      csrf: CSRF,
      cookie: `Session_id=${SESSION_ID}; lpRoute=node7`,
      sessionTtl: 28_800_000,
      domains: { agentVep: fake.host, facadeMsg: fake.host, msgHist: 'va.msghist.liveperson.net' },
      kind: 'password',
      issuedAt: 1_700_000_000_000,
    });
  });

  it('posts the OAuth1 keys, exactly', async () => {
    const session = await login(OAUTH, options);
    expect(loginRequest().body).toStrictEqual({
      username: OAUTH.username,
      appKey: OAUTH.appKey,
      secret: OAUTH.secret,
      accessToken: OAUTH.accessToken,
      accessTokenSecret: OAUTH.accessTokenSecret,
    });
    expect(session.kind).toBe('oauth');
  });

  it('posts a SAML assertion with the dummy jwt, exactly', async () => {
    const session = await login(ASSERTION, options);
    expect(loginRequest().body).toStrictEqual({ jwt: 'dummy', assertion: ASSERTION.assertion });
    expect(session.kind).toBe('assertion');
  });

  it('makes no login call for token credentials, but still resolves the hosts', async () => {
    const session = await login({ accountId: ACCOUNT, token: 'caller-bearer', userId: 4411, userPid: USER_PID }, options);
    expect(fake.count('login')).toBe(0);
    expect(fake.count('csds')).toBe(1);
    expect(session).toEqual({
      accountId: ACCOUNT,
      userId: '4411',
      userPid: USER_PID,
      legacyId: `${ACCOUNT}.4411`,
      bearer: 'caller-bearer',
      domains: { agentVep: fake.host, facadeMsg: fake.host, msgHist: 'va.msghist.liveperson.net' },
      kind: 'token',
      issuedAt: 1_700_000_000_000,
    });
  });

  it('needs no HTTP at all for token credentials when the websocket host is overridden', async () => {
    const session = await login({ accountId: ACCOUNT, token: 't', userId: '7' }, { domains: { facadeMsg: fake.host }, csdsDomain: await refusedHost() });
    expect(session.domains).toEqual({ facadeMsg: fake.host });
    expect(fake.requests).toHaveLength(0);
  });

  it('skips CSDS when agentVep and facadeMsg are overridden', async () => {
    const session = await login(PASSWORD, { domains: { agentVep: fake.host, facadeMsg: '127.0.0.1:1' }, csdsDomain: await refusedHost() });
    expect(fake.requests.map((r) => r.route)).toEqual(['login']);
    expect(session.domains['facadeMsg']).toBe('127.0.0.1:1');
  });

  it('reuses a shared CSDS client across logins', async () => {
    const csds = createCsdsClient(options);
    await login(PASSWORD, options, csds);
    await login(OAUTH, options, csds);
    expect(fake.requests.map((r) => r.route)).toEqual(['csds', 'login', 'login']);
  });

  it('refuses token credentials with a non-numeric userId, fatally and without a call', async () => {
    const error = await authFailure(login({ accountId: ACCOUNT, token: 't', userId: 'bot' }, options));
    expect(error).toMatchObject({ stage: 'login', fatal: true });
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses incomplete credentials from untyped config, fatally and without a call', async () => {
    const error = await authFailure(login({ ...PASSWORD, password: '' }, options));
    expect(error).toMatchObject({ stage: 'login', fatal: true });
    expect(error.message).toContain('lack password');
    expect(fake.requests).toHaveLength(0);
  });

  it('fails fatally with status 401 on a wrong password, quoting the server message', async () => {
    const error = await authFailure(login({ ...PASSWORD, password: 'not-the-password' }, options));
    expect(error).toMatchObject({ kind: 'AuthFailed', stage: 'login', fatal: true, status: 401 });
    expect(error.message).toBe(`login for account ${ACCOUNT} failed with HTTP 401: Authentication failed, internalCode 2`);
  });

  it.each([400, 403, 404])('fails fatally on HTTP %i', async (status) => {
    fake.failNext('login', { status });
    await expect(authFailure(login(PASSWORD, options))).resolves.toMatchObject({ stage: 'login', fatal: true, status });
  });

  it('reports 429 as rate-limited and retryable after at least 5 s', async () => {
    fake.failNext('login', { status: 429 });
    const error = await authFailure(login(PASSWORD, options));
    expect(error).toMatchObject({ stage: 'login', fatal: false, status: 429, retryAfterMs: 5_000 });
    expect(error.message).toContain('rate-limited');
  });

  it("honours a longer Retry-After on 429", async () => {
    fake.failNext('login', { status: 429, headers: { 'retry-after': '12' } });
    await expect(authFailure(login(PASSWORD, options))).resolves.toMatchObject({ retryAfterMs: 12_000 });
  });

  it.each([500, 502, 503])('reports HTTP %i as retryable', async (status) => {
    fake.failNext('login', { status, body: '<html>upstream error</html>' });
    const error = await authFailure(login(PASSWORD, options));
    expect(error).toMatchObject({ stage: 'login', fatal: false, status });
    expect(error.message).toBe(`login for account ${ACCOUNT} failed with HTTP ${status}`);
  });

  it('fails on a 200 whose body is not JSON', async () => {
    fake.failNext('login', { status: 200, body: '<html>maintenance</html>' });
    const error = await authFailure(login(PASSWORD, options));
    expect(error).toMatchObject({ stage: 'login', fatal: false });
    expect(error.message).toContain('not JSON');
  });

  it('fails on a 200 without config.userId, naming the field', async () => {
    fake.failNext('login', { status: 200, body: JSON.stringify({ bearer: BEARER, csrf: CSRF, config: { loginName: 'bot' } }) });
    const error = await authFailure(login(PASSWORD, options));
    expect(error).toMatchObject({ stage: 'login', fatal: false });
    expect(error.message).toContain('config.userId');
    expect(error.message).not.toContain(BEARER);
  });

  it('fails on a 200 without a bearer', async () => {
    fake.failNext('login', { status: 200, body: JSON.stringify({ csrf: CSRF, config: { userId: USER_ID } }) });
    await expect(authFailure(login(PASSWORD, options))).resolves.toMatchObject({ stage: 'login', message: expect.stringContaining('bearer') });
  });

  it('accepts a numeric userId and sessionTTl, stringifying the id', async () => {
    fake.failNext('login', { status: 200, body: JSON.stringify({ bearer: BEARER, config: { userId: 99 }, sessionTTl: 600000 }) });
    const session = await login(PASSWORD, options);
    expect(session).toMatchObject({ userId: '99', legacyId: `${ACCOUNT}.99`, sessionTtl: 600_000, csrf: undefined, cookie: undefined });
  });

  it('reports a refused connection as retryable', async () => {
    const error = await authFailure(login(PASSWORD, { domains: { agentVep: await refusedHost(), facadeMsg: fake.host } }));
    expect(error).toMatchObject({ stage: 'login', fatal: false, status: undefined });
    expect(error.message).toBe(`login for account ${ACCOUNT} failed: network error (ECONNREFUSED)`);
  });

  it('reports no answer within loginTimeout as retryable', async () => {
    fake.failNext('login', { hang: true });
    const error = await authFailure(login(PASSWORD, { ...options, loginTimeout: 150 }));
    expect(error).toMatchObject({ stage: 'login', fatal: false });
    expect(error.message).toContain('no answer within 150 ms');
  });

  describe('never puts a secret in an error, even when the server echoes it', () => {
    const cases = [
      ['password', PASSWORD, [PASSWORD.password]],
      ['oauth', OAUTH, [OAUTH.appKey, OAUTH.secret, OAUTH.accessToken, OAUTH.accessTokenSecret]],
      ['assertion', ASSERTION, [ASSERTION.assertion]],
    ] as const;

    const texts = (error: AuthFailed) => [error.message, String(error), JSON.stringify(error), error.stack ?? ''];

    it.each(cases)('%s credentials on 401', async (_kind, credentials, secrets) => {
      fake.failNext('login', { status: 401, echo: true });
      const error = await authFailure(login(credentials, options));
      expect(error.message).toContain('rejected');
      for (const text of texts(error)) for (const secret of secrets) expect(text).not.toContain(secret);
    });

    it.each(cases)('%s credentials on 500', async (_kind, credentials, secrets) => {
      fake.failNext('login', { status: 500, echo: true });
      const error = await authFailure(login(credentials, options));
      for (const text of texts(error)) for (const secret of secrets) expect(text).not.toContain(secret);
    });

    it('in the fields of the error either', async () => {
      fake.failNext('login', { status: 401, echo: true });
      const error = await authFailure(login(PASSWORD, options));
      expect(JSON.parse(JSON.stringify(error))).toEqual({ kind: 'AuthFailed', name: 'AuthFailed', stage: 'login', fatal: true, status: 401 });
    });
  });
});
