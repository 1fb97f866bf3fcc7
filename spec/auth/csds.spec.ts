import { createCsdsClient } from '../../src/auth/csds.js';
import { authFailure, refusedHost, startFakeLivePerson, type FakeLivePerson } from './fakeLivePerson.js';

describe('createCsdsClient', () => {
  let fake: FakeLivePerson;
  beforeAll(async () => {
    fake = await startFakeLivePerson();
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  const clock = (start = 1_000) => {
    let now = start;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  it('flattens baseURIs into hosts by service name', async () => {
    const domains = await createCsdsClient({ csdsDomain: fake.host }).resolve('555');
    expect(domains).toEqual({ agentVep: fake.host, facadeMsg: fake.host, msgHist: 'va.msghist.liveperson.net' });
    expect(fake.requests.map((r) => [r.method, r.url])).toEqual([['GET', '/api/account/555/service/baseURI.json?version=1.0']]);
  });

  it('lets domains overrides win over CSDS answers', async () => {
    const domains = await createCsdsClient({ csdsDomain: fake.host, domains: { msgHist: '127.0.0.1:9' } }).resolve('555');
    expect(domains['msgHist']).toBe('127.0.0.1:9');
    expect(domains['agentVep']).toBe(fake.host);
  });

  it('serves a second lookup of an account from the cache within the TTL', async () => {
    const { now, advance } = clock();
    const csds = createCsdsClient({ csdsDomain: fake.host, csdsTtl: 60_000, now });
    await csds.resolve('555');
    advance(59_999);
    await csds.resolve('555');
    expect(fake.count('csds')).toBe(1);
  });

  it('asks CSDS again once the TTL has passed', async () => {
    const { now, advance } = clock();
    const csds = createCsdsClient({ csdsDomain: fake.host, csdsTtl: 60_000, now });
    await csds.resolve('555');
    advance(60_000);
    await csds.resolve('555');
    expect(fake.count('csds')).toBe(2);
  });

  it('caches per account', async () => {
    const csds = createCsdsClient({ csdsDomain: fake.host });
    await csds.resolve('555');
    await csds.resolve('666');
    await csds.resolve('555');
    expect(fake.requests.map((r) => r.url.split('/')[3])).toEqual(['555', '666']);
  });

  it('shares one request between concurrent lookups', async () => {
    const csds = createCsdsClient({ csdsDomain: fake.host });
    const all = await Promise.all([csds.resolve('555'), csds.resolve('555'), csds.resolve('555')]);
    expect(fake.count('csds')).toBe(1);
    expect(all[1]).toEqual(all[0]);
  });

  it('does not cache failures', async () => {
    fake.failNext('csds', { status: 503 });
    const csds = createCsdsClient({ csdsDomain: fake.host });
    const error = await authFailure(csds.resolve('555'));
    expect(error).toMatchObject({ stage: 'csds', fatal: false, status: 503 });
    await expect(csds.resolve('555')).resolves.toHaveProperty('agentVep', fake.host);
    expect(fake.count('csds')).toBe(2);
  });

  it('makes no request when every needed service is overridden', async () => {
    const csds = createCsdsClient({ csdsDomain: await refusedHost(), domains: { agentVep: 'a.example', facadeMsg: 'f.example' } });
    await expect(csds.resolve('555')).resolves.toEqual({ agentVep: 'a.example', facadeMsg: 'f.example' });
    await expect(createCsdsClient({ csdsDomain: fake.host, domains: { facadeMsg: 'f.example' } }).resolve('555', ['facadeMsg'])).resolves.toEqual({
      facadeMsg: 'f.example',
    });
    expect(fake.count('csds')).toBe(0);
  });

  it('fails fatally on a 4xx, naming the account and status', async () => {
    fake.failNext('csds', { status: 404, body: '{"error":{"message":"account not found"}}' });
    const error = await authFailure(createCsdsClient({ csdsDomain: fake.host }).resolve('555'));
    expect(error).toMatchObject({ kind: 'AuthFailed', stage: 'csds', fatal: true, status: 404 });
    expect(error.message).toContain('account 555');
    expect(error.message).toContain('404');
  });

  it('reports 429 as retryable with a wait of at least one second', async () => {
    fake.failNext('csds', { status: 429 });
    const error = await authFailure(createCsdsClient({ csdsDomain: fake.host }).resolve('555'));
    expect(error).toMatchObject({ stage: 'csds', fatal: false, status: 429 });
    expect(error.retryAfterMs).toBeGreaterThanOrEqual(1_000);
  });

  it('reports a malformed answer as retryable, naming the field', async () => {
    fake.failNext('csds', { body: '{"baseURIs":[{"service":"agentVep","account":"555"}]}' });
    const error = await authFailure(createCsdsClient({ csdsDomain: fake.host }).resolve('555'));
    expect(error).toMatchObject({ stage: 'csds', fatal: false });
    expect(error.message).toContain('baseURIs.0.baseURI');
  });

  it('fails fatally when a needed service is neither listed nor overridden', async () => {
    const error = await authFailure(createCsdsClient({ csdsDomain: fake.host }).resolve('555', ['agentVep', 'sentinel']));
    expect(error).toMatchObject({ stage: 'csds', fatal: true });
    expect(error.message).toContain('sentinel');
  });

  it('reports a refused connection as retryable', async () => {
    const error = await authFailure(createCsdsClient({ csdsDomain: await refusedHost() }).resolve('555'));
    expect(error).toMatchObject({ stage: 'csds', fatal: false, status: undefined });
    expect(error.message).toContain('ECONNREFUSED');
  });
});
