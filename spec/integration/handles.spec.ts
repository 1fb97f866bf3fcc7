import { firstValueFrom } from 'rxjs';
import { createAgent } from '../../src/index';
import { startEmulator } from '../../src/emulator/index';
import { eventually } from '../support/eventually';
import { activeResources } from './helpers';

describe('resources', () => {
  it('leaves no socket, server or timer behind after dispose() and emulator.close()', async () => {
    const before = activeResources();
    const emulator = await startEmulator({ port: 0, seed: 7 });
    emulator.addAgent({ username: 'bot', password: 'secret', skills: ['-1'] });
    const agents = [
      createAgent({ ...emulator.issueToken('bot'), keepAlive: 50 }),
      createAgent({ ...emulator.addAgent({ username: 'pw', password: 'pw' }), keepAlive: 50, refreshInterval: 50 }),
    ];
    for (const agent of agents) {
      await firstValueFrom(agent.connect());
      await firstValueFrom(agent.subscribeRoutingTasks());
      await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));
    }
    const during = activeResources();
    expect(during['TCPSocketWrap'] ?? 0).toBeGreaterThan(before['TCPSocketWrap'] ?? 0);

    for (const agent of agents) agent.dispose();
    await emulator.close();
    // Closing handshakes finish on the next turns of the loop.
    await eventually(() => JSON.stringify(activeResources()) === JSON.stringify(before), 'the handles of before', 1_000).catch(() => undefined);
    const after = activeResources();
    // Handles of an earlier spec file in this worker may still be closing at `before`: never more, maybe fewer.
    for (const kind of ['TCPSocketWrap', 'TCPServerWrap', 'Timeout']) {
      expect({ kind, count: after[kind] ?? 0 }).toEqual({ kind, count: expect.any(Number) });
      expect(after[kind] ?? 0).toBeLessThanOrEqual(before[kind] ?? 0);
    }
  });
});
