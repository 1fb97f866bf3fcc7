import { startEmulator, type Emulator } from '../../src/emulator/index';
import { post, upgradeStatus, wsUrl } from './wsClient';

describe('emulator HTTP: CSDS, login, refresh, logout', () => {
  let emulator: Emulator;
  const login = (body: unknown) => post(emulator, `/api/account/${emulator.accountId}/login?v=1.3`, body);

  beforeEach(async () => {
    emulator = await startEmulator({ port: 0, seed: 1 });
    emulator.addAgent({ username: 'bot', password: 'secret', skills: ['-1'] });
  });
  afterEach(() => emulator.close());

  it('serves CSDS with every service pointing at the emulator', async () => {
    const response = await fetch(`http://${emulator.host}/api/account/${emulator.accountId}/service/baseURI.json?version=1.0`);
    expect(response.status).toBe(200);
    const { baseURIs } = (await response.json()) as { baseURIs: Array<{ service: string; account: string; baseURI: string }> };
    const services = Object.fromEntries(baseURIs.map((b) => [b.service, b.baseURI]));
    for (const service of ['agentVep', 'facadeMsg', 'asyncMessagingEnt', 'msgHist', 'accountConfigReadOnly', 'idp']) {
      expect(services[service]).toBe(emulator.host);
    }
    expect(baseURIs.every((b) => b.account === emulator.accountId)).toBe(true);
  });

  it('serves a single CSDS service, and 404 for unknown services, accounts and paths', async () => {
    const base = `http://${emulator.host}/api/account/${emulator.accountId}/service`;
    const one = await fetch(`${base}/facadeMsg/baseURI.json?version=1.0`);
    expect(await one.json()).toEqual({ service: 'facadeMsg', account: emulator.accountId, baseURI: emulator.host });
    expect((await fetch(`${base}/nope/baseURI.json`)).status).toBe(404);
    expect((await fetch(`http://${emulator.host}/api/account/999/service/baseURI.json`)).status).toBe(404);
    const unknown = await fetch(`http://${emulator.host}/somewhere/else`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { responseStatus: 'NOT_FOUND' } });
  });

  it('logs in with username and password: bearer, csrf, config with ids, session cookie', async () => {
    const { status, json, headers } = await login({ username: 'bot', password: 'secret' });
    expect(status).toBe(200);
    const identity = emulator.agentIdentity('bot');
    expect(json).toMatchObject({
      bearer: expect.any(String),
      csrf: expect.any(String),
      wsuk: expect.any(String),
      config: { loginName: 'bot', userId: identity.userId, userPid: identity.userPid, isAdmin: false, serverCurrentTime: expect.any(Number) },
      csdsCollectionResponse: { baseURIs: expect.arrayContaining([{ service: 'facadeMsg', account: emulator.accountId, baseURI: emulator.host }]) },
      sessionTTl: '28800000',
    });
    expect(identity.legacyId).toBe(`${emulator.accountId}.${identity.userId}`);
    expect(headers.getSetCookie()).toEqual([expect.stringMatching(/^Session_id=[^;]+; Path=\/; HttpOnly$/)]);
  });

  it('logs in with OAuth1 keys and with a SAML assertion', async () => {
    const { accountId: _a, csdsDomain: _c, ...keys } = emulator.oauthCredentials('bot');
    const oauth = await login(keys);
    expect(oauth.status).toBe(200);
    expect(oauth.json).toMatchObject({ config: { loginName: 'bot', userId: emulator.agentIdentity('bot').userId } });

    const { assertion } = emulator.assertionCredentials('bot');
    const saml = await login({ jwt: 'dummy', assertion });
    expect(saml.status).toBe(200);
    expect(saml.json).toMatchObject({ config: { loginName: 'bot' } });
  });

  it('answers a bad password with 401 and an error body that does not contain it', async () => {
    const { status, json, text } = await login({ username: 'bot', password: 'wrong-PASSWORD-42' });
    expect(status).toBe(401);
    expect(json).toMatchObject({ error: { time: expect.any(Number), message: expect.any(String), internalCode: expect.any(Number), responseStatus: 'UNAUTHORIZED' } });
    expect(text).not.toContain('wrong-PASSWORD-42');
    expect(text).not.toContain('secret');
  });

  it('refuses wrong OAuth keys, unknown assertions and unknown users with 401', async () => {
    const { accountId: _a, csdsDomain: _c, ...keys } = emulator.oauthCredentials('bot');
    expect((await login({ ...keys, secret: 'nope' })).status).toBe(401);
    expect((await login({ jwt: 'dummy', assertion: 'PHNhbWw+' })).status).toBe(401);
    expect((await login({ username: 'nobody', password: 'secret' })).status).toBe(401);
  });

  it('answers a malformed login body with 400', async () => {
    expect((await login('{not json')).status).toBe(400);
    expect((await login({ user: 'bot' })).status).toBe(400);
  });

  it('refreshes with the csrf and the session cookie, and refuses without them', async () => {
    const logged = await login({ username: 'bot', password: 'secret' });
    const { csrf } = logged.json as { csrf: string };
    const cookie = (logged.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
    const refresh = (body: unknown, headers: Record<string, string>) => post(emulator, `/api/account/${emulator.accountId}/refresh?v=1.3`, body, headers);

    const ok = await refresh({ csrf }, { Cookie: cookie });
    expect(ok).toMatchObject({ status: 200, text: '' });

    for (const [body, headers] of [
      [{ csrf: 'forged' }, { Cookie: cookie }],
      [{ csrf }, {}],
      [{}, { Cookie: cookie }],
    ] as const) {
      const refused = await refresh(body, headers);
      expect(refused.status).toBe(401);
      expect(refused.json).toEqual({
        error: { time: expect.any(Number), message: expect.stringContaining('CSRF token invalid!'), internalCode: 10, responseStatus: 'UNAUTHORIZED' },
      });
    }
  });

  it('logout ends the session: refresh and its bearer are refused afterwards', async () => {
    const logged = await login({ username: 'bot', password: 'secret' });
    const { csrf, bearer } = logged.json as { csrf: string; bearer: string };
    const cookie = (logged.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
    expect(await upgradeStatus(wsUrl(emulator, bearer))).toBe(101);
    const out = await post(emulator, `/api/account/${emulator.accountId}/logout?v=1.3`, { csrf }, { Cookie: cookie });
    expect(out.status).toBe(200);
    expect((await post(emulator, `/api/account/${emulator.accountId}/refresh?v=1.3`, { csrf }, { Cookie: cookie })).status).toBe(401);
    expect(await upgradeStatus(wsUrl(emulator, bearer))).toBe(401);
  });

  it('refuses logins to another account', async () => {
    expect((await post(emulator, '/api/account/999/login?v=1.3', { username: 'bot', password: 'secret' })).status).toBe(401);
  });
});
