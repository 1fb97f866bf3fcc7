import { firstValueFrom, filter, timeout, type Observable } from 'rxjs';
import { createAgent, type Agent, type ConversationChange, type Ring } from '../../src/index';
import { startEmulator, type Emulator, type EmulatorCredentials } from '../../src/emulator/index';
import { post, upgradeStatus, wsUrl } from './wsClient';

/** The first value matching `predicate`, failing after 5 s (a guard, not an assertion on time). */
function next<T>(source$: Observable<T>, predicate: (v: T) => boolean = () => true): Promise<T> {
  return firstValueFrom(source$.pipe(filter(predicate), timeout({ first: 5_000 })));
}

describe('emulator: several accounts in one emulator', () => {
  let emulator: Emulator;
  let accountA: string;
  let accountB: string;
  const agents: Agent[] = [];

  /** An agent connected, subscribed to rings and to every conversation (no agentIds filter), ONLINE. */
  async function online(creds: EmulatorCredentials): Promise<{ agent: Agent; rings: Ring[]; conversations: ConversationChange[] }> {
    const agent = createAgent({ ...creds, keepAlive: 0 });
    agents.push(agent);
    const rings: Ring[] = [];
    const conversations: ConversationChange[] = [];
    agent.rings$.subscribe((r) => rings.push(r));
    agent.conversations$.subscribe((c) => conversations.push(c));
    await firstValueFrom(agent.connect());
    await firstValueFrom(agent.subscribeRoutingTasks());
    await firstValueFrom(agent.subscribeExConversations({}));
    await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));
    return { agent, rings, conversations };
  }

  beforeEach(async () => {
    emulator = await startEmulator({ port: 0, seed: 1 });
    accountA = emulator.accountId;
    accountB = emulator.addAccount();
  });

  afterEach(async () => {
    for (const a of agents.splice(0)) a.dispose();
    await emulator.close();
  });

  it('adds accounts: seeded or given ids, listed, never twice', () => {
    expect(accountB).toMatch(/^[1-9]\d{7}$/);
    expect(accountB).not.toBe(accountA);
    expect(emulator.addAccount('99990000')).toBe('99990000');
    expect(emulator.accounts).toEqual([accountA, accountB, '99990000']);
    expect(() => emulator.addAccount('99990000')).toThrow(/exists/);
    expect(() => emulator.addAgent({ username: 'x', password: 'y', accountId: 'nope' })).toThrow(/no account/);
  });

  it('answers CSDS per account and 404 for an unknown one', async () => {
    for (const account of [accountA, accountB]) {
      const response = await fetch(`http://${emulator.host}/api/account/${account}/service/facadeMsg/baseURI.json`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ service: 'facadeMsg', account, baseURI: emulator.host });
    }
    expect((await fetch(`http://${emulator.host}/api/account/11112222/service/baseURI.json`)).status).toBe(404);
  });

  it('allows the same username in two accounts, as two distinct agents', async () => {
    const a = emulator.addAgent({ username: 'bot', password: 'pw-a' });
    const b = emulator.addAgent({ username: 'bot', password: 'pw-b', accountId: accountB });
    expect(a.accountId).toBe(accountA);
    expect(b.accountId).toBe(accountB);
    expect(() => emulator.addAgent({ username: 'bot', password: 'again', accountId: accountB })).toThrow(/already exists/);

    const idA = emulator.agentIdentity('bot');
    const idB = emulator.agentIdentity('bot', accountB);
    expect(idA.accountId).toBe(accountA);
    expect(idB).toMatchObject({ accountId: accountB, legacyId: `${accountB}.${idB.userId}` });
    expect(idB.userPid).not.toBe(idA.userPid);
    for (const creds of [emulator.issueToken('bot', accountB), emulator.oauthCredentials('bot', accountB), emulator.assertionCredentials('bot', accountB)]) {
      expect(creds.accountId).toBe(accountB);
    }

    // Each logs in with its own password in its own account only.
    expect((await post(emulator, `/api/account/${accountB}/login?v=1.3`, { username: 'bot', password: 'pw-b' })).status).toBe(200);
    expect((await post(emulator, `/api/account/${accountA}/login?v=1.3`, { username: 'bot', password: 'pw-b' })).status).toBe(401);
    expect((await post(emulator, `/api/account/${accountB}/login?v=1.3`, emulator.oauthCredentials('bot'))).status).toBe(401);

    const [agentA, agentB] = [createAgent({ ...a, keepAlive: 0 }), createAgent({ ...b, keepAlive: 0 })];
    agents.push(agentA, agentB);
    await firstValueFrom(agentA.connect());
    await firstValueFrom(agentB.connect());
    expect(agentA.identity?.legacyId).toBe(idA.legacyId);
    expect(agentB.identity?.legacyId).toBe(idB.legacyId);
    expect(emulator.connections('bot')).toBe(2);
    expect(emulator.connections('bot', accountB)).toBe(1);
    expect(emulator.connections(undefined, accountA)).toBe(1);
  });

  it('refuses a websocket, a refresh or a login in another account than the agent’s (401)', async () => {
    emulator.addAgent({ username: 'b-bot', password: 'pw', accountId: accountB });
    const bearer = emulator.issueToken('b-bot').token;
    expect(await upgradeStatus(wsUrl(emulator, bearer, accountA))).toBe(401);
    expect(await upgradeStatus(wsUrl(emulator, bearer, accountB))).toBe(101);

    const login = await post(emulator, `/api/account/${accountB}/login?v=1.3`, { username: 'b-bot', password: 'pw' });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const { csrf } = login.json as { csrf: string };
    expect((await post(emulator, `/api/account/${accountA}/refresh`, { csrf }, { Cookie: cookie })).status).toBe(401);
    expect((await post(emulator, `/api/account/${accountB}/refresh`, { csrf }, { Cookie: cookie })).status).toBe(200);
    expect((await post(emulator, `/api/account/${accountA}/login?v=1.3`, { username: 'b-bot', password: 'pw' })).status).toBe(401);
  });

  it('routes, rings and snapshots per account: nothing of A ever reaches B', async () => {
    const a = await online(emulator.addAgent({ username: 'bot', password: 'secret', skills: ['-1'] }));
    const b = await online(emulator.addAgent({ username: 'bot', password: 'secret', skills: ['-1'], accountId: accountB }));

    const ringA$ = next(a.agent.rings$, (r) => r.ringState === 'WAITING');
    const consumerA = await emulator.consumer({ skillId: '-1' });
    const ringA = await ringA$;
    expect(ringA.convId).toBe(consumerA.convId);
    expect(ringA.ringId).toContain(`_${accountA}_`);
    expect(emulator.conversation(consumerA.convId)).toMatchObject({ accountId: accountA, details: { brandId: accountA } });
    expect(emulator.conversation(consumerA.convId)?.rings.map((r) => r.username)).toEqual(['bot']);

    // A's agent answers and talks; B's agent hears none of it.
    const joined$ = next(a.agent.conversations$, (c) => c.convId === consumerA.convId && c.myRole === 'ASSIGNED_AGENT');
    await firstValueFrom(a.agent.updateRingState({ ringId: ringA.ringId, ringState: 'ACCEPTED' }));
    await joined$;
    await consumerA.send('hello A');

    // A conversation in B rings only B's agent, with B as brand.
    const ringB$ = next(b.agent.rings$, (r) => r.ringState === 'WAITING');
    const consumerB = await emulator.consumer({ skillId: '-1', accountId: accountB });
    const ringB = await ringB$;
    expect(ringB.convId).toBe(consumerB.convId);
    // (its UPSERT came before the ring, so it is already collected)
    expect(b.conversations.find((c) => c.convId === consumerB.convId)?.conversation.brandId).toBe(accountB);

    // A fresh, unfiltered snapshot of B holds B's conversation only.
    const snapshot$ = next(b.agent.notifications$, (n) => n.type === '.ams.aam.ExConversationChangeNotification');
    await firstValueFrom(b.agent.subscribeExConversations({}));
    const snapshot = await snapshot$;
    expect(JSON.stringify(snapshot)).toContain(consumerB.convId);
    expect(JSON.stringify(snapshot)).not.toContain(consumerA.convId);

    await firstValueFrom(b.agent.getClock());
    await firstValueFrom(a.agent.getClock());
    expect(b.rings.map((r) => r.convId)).toEqual(b.rings.map(() => consumerB.convId));
    expect(b.conversations.some((c) => c.convId === consumerA.convId)).toBe(false);
    expect(a.rings.some((r) => r.convId === consumerB.convId)).toBe(false);
    expect(a.conversations.some((c) => c.convId === consumerB.convId)).toBe(false);

    // B's agent cannot reach A's conversation by id either.
    const publish = firstValueFrom(
      b.agent.publishEvent({ dialogId: consumerA.convId, conversationId: consumerA.convId, event: { type: 'ContentEvent', contentType: 'text/plain', message: 'x' } }),
    );
    await expect(publish).rejects.toBeDefined();
    const join = firstValueFrom(
      b.agent.updateConversationField({
        conversationId: consumerA.convId,
        conversationField: [{ field: 'ParticipantsChange', type: 'ADD', role: 'MANAGER' }],
      }),
    );
    await expect(join).rejects.toBeDefined();
    expect(emulator.conversation(consumerA.convId)?.details.participants.MANAGER).toBeUndefined();
  });

  it('keeps the single-account defaults: credentials and consumers in the first account', async () => {
    const creds = emulator.addAgent({ username: 'solo', password: 'pw' });
    expect(creds.accountId).toBe(accountA);
    expect(emulator.issueToken('solo').accountId).toBe(accountA);
    const consumer = await emulator.consumer();
    expect(emulator.conversation(consumer.convId)?.accountId).toBe(accountA);
  });
});
