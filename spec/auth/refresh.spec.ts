import { login } from '../../src/auth/login.js';
import type { AuthOptions } from '../../src/auth/options.js';
import { logout, refreshSession } from '../../src/auth/refresh.js';
import type { Session } from '../../src/auth/session.js';
import { ACCOUNT, authFailure, BEARER, CSRF, PASSWORD, SESSION_ID, startFakeLivePerson, type FakeLivePerson } from './fakeLivePerson.js';

describe('refreshSession / logout', () => {
  let fake: FakeLivePerson;
  let options: AuthOptions;
  let session: Session;
  beforeAll(async () => {
    fake = await startFakeLivePerson();
    options = { csdsDomain: fake.host };
    session = await login(PASSWORD, options);
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  const tokenSession = (): Session => ({ ...session, csrf: undefined, cookie: undefined, kind: 'token' });

  it('sends the login cookie and csrf back on refresh', async () => {
    await expect(refreshSession(session, options)).resolves.toBeUndefined();
    const [request] = fake.requests;
    expect(request).toMatchObject({ method: 'POST', url: `/api/account/${ACCOUNT}/refresh?v=1.3`, body: { csrf: CSRF } });
    expect(request?.headers.cookie).toBe(`Session_id=${SESSION_ID}; lpRoute=node7`);
    expect(request?.headers['content-type']).toBe('application/json');
  });

  it('reports a 401 (stale csrf) as non-fatal, so the caller logs in again', async () => {
    const error = await authFailure(refreshSession({ ...session, csrf: 'stale-csrf' }, options));
    expect(error).toMatchObject({ kind: 'AuthFailed', stage: 'refresh', fatal: false, status: 401 });
    expect(error.message).toContain('CSRF token invalid');
    expect(error.message).not.toContain('stale-csrf');
  });

  it('reports a 401 for a session whose cookie was lost', async () => {
    await expect(authFailure(refreshSession({ ...session, cookie: undefined }, options))).resolves.toMatchObject({ status: 401, fatal: false });
    expect(fake.requests[0]?.headers.cookie).toBeUndefined();
  });

  it.each([403, 429, 500])('treats HTTP %i on refresh as non-fatal too', async (status) => {
    fake.failNext('refresh', { status });
    await expect(authFailure(refreshSession(session, options))).resolves.toMatchObject({ stage: 'refresh', fatal: false, status });
  });

  it('keeps csrf, bearer and cookie out of refresh errors when the server echoes them', async () => {
    fake.failNext('refresh', { status: 500, body: JSON.stringify({ error: { message: `bad ${CSRF} ${BEARER} ${SESSION_ID}` } }) });
    const error = await authFailure(refreshSession(session, options));
    for (const text of [error.message, String(error), JSON.stringify(error)]) {
      for (const secret of [CSRF, BEARER, SESSION_ID]) expect(text).not.toContain(secret);
    }
  });

  it('resolves at once for a token session, without a call', async () => {
    await expect(refreshSession(tokenSession(), options)).resolves.toBeUndefined();
    expect(fake.requests).toHaveLength(0);
  });

  it('logs out with csrf and cookie, resolving true', async () => {
    await expect(logout(session, options)).resolves.toBe(true);
    expect(fake.requests[0]).toMatchObject({ url: `/api/account/${ACCOUNT}/logout?v=1.3`, body: { csrf: CSRF } });
    expect(fake.requests[0]?.headers.cookie).toContain(`Session_id=${SESSION_ID}`);
  });

  it('logs out best-effort: a failure resolves false instead of rejecting', async () => {
    fake.failNext('logout', { status: 500 });
    await expect(logout(session, options)).resolves.toBe(false);
    expect(fake.count('logout')).toBe(1);
  });

  it('does not call logout for a token session', async () => {
    await expect(logout(tokenSession(), options)).resolves.toBe(false);
    expect(fake.requests).toHaveLength(0);
  });
});
