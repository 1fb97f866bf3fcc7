import { firstValueFrom, take, toArray } from 'rxjs';
import { prepareFrames, startEmulator, type Emulator } from '../../src/emulator/index';
import { loginBearer, TestSocket, upgradeStatus, wsUrl } from './wsClient';

describe('emulator websocket: handshake, envelope, controls', () => {
  let emulator: Emulator;
  const sockets: TestSocket[] = [];
  const open = async (username = 'bot', bearer?: string) => {
    const socket = await TestSocket.open(emulator, username, bearer);
    sockets.push(socket);
    return socket;
  };

  beforeEach(async () => {
    emulator = await startEmulator({ port: 0, seed: 1, sessionsPerUser: 'many' });
    emulator.addAgent({ username: 'bot', password: 'secret', skills: ['-1'] });
  });
  afterEach(async () => {
    await emulator.close();
    await Promise.all(sockets.splice(0).map((s) => s.close()));
  });

  it('opens with a bearer from login and with an issued token', async () => {
    expect(await upgradeStatus(wsUrl(emulator, await loginBearer(emulator, 'bot', 'secret')))).toBe(101);
    expect(await upgradeStatus(wsUrl(emulator, emulator.issueToken('bot').token))).toBe(101);
  });

  it('refuses a bad bearer or another account with HTTP 401 at the upgrade', async () => {
    expect(await upgradeStatus(wsUrl(emulator, 'not-a-bearer'))).toBe(401);
    expect(await upgradeStatus(wsUrl(emulator, emulator.issueToken('bot').token, '999'))).toBe(401);
    expect(emulator.connections()).toBe(0);
  });

  it('answers GetClock, with the long name and with the short alias', async () => {
    const socket = await open();
    const long = await socket.request('.GetClock', {});
    const short = await socket.request('GetClock', {});
    for (const response of [long, short]) {
      expect(response).toMatchObject({ kind: 'resp', code: 200, type: '.GetClock$Response', body: { currentTime: expect.any(Number) } });
    }
    expect(await socket.request('KeepAlive')).toMatchObject({ code: 200, type: '.KeepAlive$Response', body: expect.any(String) });
  });

  it('answers an unknown request type or a bad body with a 400 naming the problem, and stays open', async () => {
    const socket = await open();
    const unknown = await socket.request('.ams.nope.Nothing', {});
    expect(unknown).toMatchObject({ code: 400, type: '.ReqBody$StringResp', body: expect.stringContaining('unknown request type') });
    const bad = await socket.request('.ams.routing.UpdateRingState', { ringId: 'r', ringState: 'MAYBE' });
    expect(bad).toMatchObject({ code: 400, body: expect.stringContaining('ringState') });
    await expect(socket.request('GetClock')).resolves.toMatchObject({ code: 200 });
  });

  it('ignores frames without a readable id and keeps the socket open', async () => {
    const socket = await open();
    socket.send('{not json');
    socket.send('{"kind":"req","type":"GetClock"}');
    await socket.sync();
    expect(socket.frames.filter((f) => f.kind === 'resp')).toHaveLength(1);
    expect(emulator.connections('bot')).toBe(1);
  });

  it('answers GetUserProfile for a consumer id (bare string) and for itself ({})', async () => {
    const socket = await open();
    const consumer = await emulator.consumer({ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' });
    const profile = await socket.request('.ams.userprofile.GetUserProfile', consumer.consumerId);
    expect(profile).toMatchObject({
      code: 200,
      type: '.ams.userprofile.GetUserProfile$Response',
      body: { firstName: 'Ada', lastName: 'Lovelace', privateData: { email: 'ada@example.com', mobileNum: expect.any(String) }, authenticatedData: { lp_sdes: [] } },
    });
    expect(await socket.ok('up.GetUserProfile', {})).toEqual({ userId: emulator.agentIdentity('bot').legacyId });
    expect((await socket.request('.ams.userprofile.GetUserProfile', 'nobody')).code).toBeGreaterThanOrEqual(400);
  });

  it('answers file URL and download token requests', async () => {
    const socket = await open();
    const upload = await socket.ok('.ams.ms.GenerateURLForUploadFile', { fileSize: 1000, fileType: 'PNG' });
    expect(upload).toEqual({
      relativePath: expect.stringMatching(/^\/v1\/AUTH_async-images\/12345678\/.+\.png$/),
      queryParams: { temp_url_sig: expect.any(String), temp_url_expires: expect.any(String) },
    });
    const download = await socket.ok('.ams.ms.GenerateURLForDownloadFile', { relativePath: '/v1/x.png' });
    expect(download).toMatchObject({ relativePath: '/v1/x.png' });
    const token = await socket.ok('.ams.ms.token.GenerateDownloadToken', {
      downloadable: { type: 'SecureForm', dialogId: 'd', submissionId: 's', invitationId: 'i' },
    });
    expect(token).toEqual({ token: { type: 'SecureFormReadToken', readOtk: expect.any(String) } });
  });

  it('dropConnections(4401) closes every agent socket with that code', async () => {
    emulator.addAgent({ username: 'other', password: 'pw' });
    const [a, b] = [await open(), await open('other')];
    expect(emulator.connections()).toBe(2);
    emulator.dropConnections(4401);
    expect(emulator.connections()).toBe(0);
    expect((await a.closed).code).toBe(4401);
    expect((await b.closed).code).toBe(4401);
  });

  it('dropConnections() terminates sockets: the client sees 1006', async () => {
    const socket = await open();
    emulator.dropConnections();
    expect((await socket.closed).code).toBe(1006);
  });

  it('expireTokens closes open sockets with 4401 and refuses the old bearer at the next upgrade', async () => {
    const { token } = emulator.issueToken('bot');
    const socket = await open('bot', token);
    emulator.expireTokens();
    expect((await socket.closed).code).toBe(4401);
    expect(await upgradeStatus(wsUrl(emulator, token))).toBe(401);
    expect(await upgradeStatus(wsUrl(emulator, emulator.issueToken('bot').token))).toBe(101);
  });

  it('injectFrame sends raw text verbatim, to everyone or to one agent', async () => {
    emulator.addAgent({ username: 'other', password: 'pw' });
    const [bot, other] = [await open(), await open('other')];
    emulator.injectFrame('{not json at all');
    emulator.injectFrame('{"kind":"notification","type":".x","body":1}', { username: 'other' });
    await bot.sync();
    await other.sync();
    expect(bot.raw[0]).toBe('{not json at all');
    expect(bot.raw.filter((r) => r.includes('".x"'))).toHaveLength(0);
    expect(other.raw.slice(0, 2)).toEqual(['{not json at all', '{"kind":"notification","type":".x","body":1}']);
  });

  it('injectFrames sends a batch verbatim and in order, in one write per socket', async () => {
    const bot = await open();
    const batch = Array.from({ length: 50 }, (_, i) => `{"kind":"notification","type":".x","body":${i}}`);
    // Every length encoding of a frame (7-bit, 16-bit, 64-bit), and multi-byte UTF-8.
    batch.push(`{"kind":"notification","type":".x","body":"${'é'.repeat(100)}"}`, `{"kind":"notification","type":".x","body":"${'x'.repeat(70_000)}"}`);
    emulator.injectFrames(batch, { username: 'bot' });
    await bot.sync();
    expect(bot.raw.filter((r) => r.includes('".x"'))).toEqual(batch);
  });

  it('injectFrames sends frames prepared ahead of time as they are, and records their texts', async () => {
    const bot = await open();
    const texts = ['{"kind":"notification","type":".y","body":1}', `{"kind":"notification","type":".y","body":"${'ü'.repeat(80)}"}`, `{"kind":"notification","type":".y","body":"${'y'.repeat(66_000)}"}`];
    const prepared = prepareFrames(texts);
    // 2-, 4- and 10-byte headers before each UTF-8 payload.
    expect(prepared.wire.length).toBe(texts.reduce((sum, t) => sum + Buffer.byteLength(t), 0) + 2 + 4 + 10);
    emulator.recordFrames(true);
    try {
      emulator.injectFrames(prepared, { username: 'bot' });
      await bot.sync();
      expect(bot.raw.filter((r) => r.includes('".y"'))).toEqual(texts);
      expect(emulator.frames().filter((f) => f.direction === 'out' && f.text.includes('".y"')).map((f) => f.text)).toEqual(texts);
    } finally {
      emulator.recordFrames(false);
    }
  });

  it('faults.dropResponses swallows matching requests (by alias too) until cleared', async () => {
    const socket = await open();
    emulator.faults.dropResponses('GetClock');
    const requests = firstValueFrom(emulator.requests$.pipe(take(2), toArray()));
    socket.send(JSON.stringify({ kind: 'req', id: 'dropped', type: '.GetClock', body: {} }));
    await socket.request('KeepAlive');
    expect(socket.frames.some((f) => f.kind === 'resp' && f.reqId === 'dropped')).toBe(false);
    expect((await requests).map((r) => [r.username, r.request.type])).toEqual([
      ['bot', '.GetClock'],
      ['bot', '.KeepAlive'],
    ]);
    emulator.faults.clear();
    await expect(socket.request('.GetClock')).resolves.toMatchObject({ code: 200 });
  });

  it("faults.dropResponses('*') swallows every request", async () => {
    const socket = await open();
    emulator.faults.dropResponses('*');
    const received = firstValueFrom(emulator.requests$);
    socket.send(JSON.stringify({ kind: 'req', id: 'a', type: 'KeepAlive', body: {} }));
    expect((await received).request.id).toBe('a');
    emulator.faults.clear();
    await socket.sync();
    expect(socket.frames.filter((f) => f.kind === 'resp')).toHaveLength(1);
  });

  it('counts open sockets per agent and drops them from the count when they close', async () => {
    const a = await open();
    await open();
    expect(emulator.connections('bot')).toBe(2);
    expect(emulator.connections('nobody')).toBe(0);
    await a.close();
    while (emulator.connections('bot') !== 1) await new Promise((r) => setImmediate(r));
    expect(emulator.connections()).toBe(1);
  });

  it('hands out the same ids for the same seed, in separate instances', async () => {
    const other = await startEmulator({ seed: 1 });
    try {
      other.addAgent({ username: 'bot', password: 'secret' });
      expect(other.agentIdentity('bot')).toEqual(emulator.agentIdentity('bot'));
      expect(other.host).not.toBe(emulator.host);
      expect(other.connections()).toBe(0);
    } finally {
      await other.close();
    }
  });
});
