import { filter, firstValueFrom } from 'rxjs';
import { createAgent, type Agent } from '../../src/index';
import { fetchTrusting } from '../../src/auth/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';

describe('emulator over TLS', () => {
  let emulator: Emulator;
  const agents: Agent[] = [];

  beforeEach(async () => {
    emulator = await startEmulator({ tls: true, seed: 1 });
  });

  afterEach(async () => {
    for (const a of agents.splice(0)) a.dispose();
    await emulator.close();
  });

  it('hands out credentials that ask for TLS and trust its certificate', () => {
    const creds = emulator.addAgent({ username: 'bot', password: 'secret' });
    expect(emulator.ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(creds).toMatchObject({ secure: true, ca: emulator.ca });
    expect(emulator.issueToken('bot')).toMatchObject({ secure: true, ca: emulator.ca });
    expect(emulator.oauthCredentials('bot')).toMatchObject({ secure: true, ca: emulator.ca });
    expect(emulator.assertionCredentials('bot')).toMatchObject({ secure: true, ca: emulator.ca });
  });

  it('lets createAgent log in over https, connect over wss and get a ring', async () => {
    const agent = createAgent({ keepAlive: 0, ...emulator.addAgent({ username: 'bot', password: 'secret', skills: ['-1'] }) });
    agents.push(agent);
    await firstValueFrom(agent.connect());
    await firstValueFrom(agent.subscribeRoutingTasks());
    await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));
    const ring = firstValueFrom(agent.rings$.pipe(filter((r) => r.ringState === 'WAITING')));
    const consumer = await emulator.consumer({ skillId: '-1' });
    expect(await ring).toMatchObject({ convId: consumer.convId, ringState: 'WAITING' });
    expect(emulator.connections('bot')).toBe(1);
  });

  it('answers https callers that trust its certificate', async () => {
    const response = await fetchTrusting(emulator.ca ?? '')(`https://${emulator.host}/api/account/${emulator.accountId}/service/baseURI.json`);
    expect(response.status).toBe(200);
  });

  it('refuses plain http and callers that do not trust its certificate', async () => {
    const url = `/api/account/${emulator.accountId}/service/baseURI.json`;
    await expect(fetch(`http://${emulator.host}${url}`)).rejects.toThrow();
    await expect(fetch(`https://${emulator.host}${url}`)).rejects.toThrow();
  });
});
