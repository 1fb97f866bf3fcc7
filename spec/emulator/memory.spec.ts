import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import WebSocket from 'ws';
import { startEmulator } from '../../src/emulator/index';

// A real collection between measurements, so the comparison is of live memory only.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('emulator memory', () => {
  it('stays flat across 200,000 events: settled rings and closed conversations are forgotten, each event is kept once', async () => {
    const emulator = await startEmulator({ port: 0, seed: 71, retention: 0 });
    emulator.addAgent({ username: 'bot', password: 'pw', skills: ['-1'] });
    const { accountId, token } = emulator.issueToken('bot');
    // An ONLINE agent that is rung for every conversation and never answers: each ring settles
    // (CANCELLED) when its conversation closes. Frames are read and dropped.
    const ws = new WebSocket(`ws://${emulator.host}/ws_api/account/${accountId}/messaging/brand/${token}?v=2.1`);
    await new Promise<void>((ok, fail) => {
      ws.once('open', () => ok());
      ws.once('error', fail);
    });
    const answered = (id: string) =>
      new Promise<void>((ok) => {
        const onMessage = (data: WebSocket.RawData) => {
          if (String(data).includes(`"reqId":"${id}"`)) {
            ws.off('message', onMessage);
            ok();
          }
        };
        ws.on('message', onMessage);
      });
    for (const [id, type, body] of [
      ['1', '.ams.routing.SetAgentState', { availability: 'ONLINE' }],
      ['2', '.ams.routing.SubscribeRoutingTasks', {}],
    ] as const) {
      const done = answered(id);
      ws.send(JSON.stringify({ kind: 'req', id, type, body }));
      await done;
    }

    const conversationsOf = async (count: number): Promise<void> => {
      for (let c = 0; c < count; c++) {
        const consumer = await emulator.consumer({ skillId: '-1' });
        for (let m = 0; m < 100; m++) await consumer.send(`message ${m} of a conversation long enough to weigh something`);
        await consumer.close();
      }
    };
    try {
      await conversationsOf(200); // warm-up: 20,000 events
      const baseline = heapAfterGc();
      await conversationsOf(2_000); // 200,000 events
      const grown = heapAfterGc() - baseline;
      // Kept, each of these events alone would be over 40 MiB; flat means a few MiB of noise at most.
      expect(grown).toBeLessThan(8 * 2 ** 20);
    } finally {
      ws.terminate();
      await emulator.close();
    }
  }, 120_000);
});
