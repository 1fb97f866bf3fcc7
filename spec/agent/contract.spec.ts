import { firstValueFrom, Subject } from 'rxjs';
import { createAgent, type Agent } from '../../src/index';
import {
  aContentEvent,
  agentStateFrame,
  aChatState,
  conversationFrame,
  createTestAgent,
  eventFrame,
  ringFrame,
  seedIds,
  toEventRecord,
  type WireNotification,
} from '../../src/testing/index';
import { FakeServer, tokenConfig, virtualTime, type StoredRecord } from './fakeServer';

const dialogId = seedIds.ringConvId;
/** The consumer's first message, written before the ring was accepted: only history has it. */
const history = [toEventRecord(aContentEvent({ sequence: 1, text: 'before the accept' }))];
const frames: Array<WireNotification | string> = [
  ringFrame(),
  conversationFrame({ convId: dialogId }),
  eventFrame(aContentEvent({ sequence: 2, text: 'live one' })),
  eventFrame(aContentEvent({ sequence: 2, text: 'live one' })), // a duplicate
  eventFrame(aContentEvent({ sequence: 3, text: 'live two' })),
  eventFrame(aChatState({ chatState: 'COMPOSING' })),
  agentStateFrame({ availability: 'AWAY' }),
  '{"kind":"notification"', // malformed
];

/** Everything an agent emits on its streams, in order. */
function record(agent: Agent) {
  const seen: Record<string, unknown[]> = { rings: [], conversations: [], messages: [], chatState: [], agentState: [], errors: [] };
  agent.rings$.subscribe((v) => seen['rings']?.push(v));
  agent.conversations$.subscribe((v) => seen['conversations']?.push(v));
  agent.messages$.subscribe((v) => seen['messages']?.push(v));
  agent.chatState$.subscribe((v) => seen['chatState']?.push(v));
  agent.agentState$.subscribe((v) => seen['agentState']?.push(v));
  agent.errors$.subscribe((e) => seen['errors']?.push([e.kind, e.message]));
  return seen;
}

describe('createAgent and createTestAgent share one inbound path', () => {
  it('emit identical streams for the same frames, follow and dedupe included', async () => {
    // The real agent, over a fake socket.
    const clock = virtualTime();
    const server = new FakeServer(clock.scheduler);
    server.history.set(dialogId, history as unknown as StoredRecord[]);
    const real = createAgent(tokenConfig(server, clock.scheduler));
    const realSeen = record(real);
    const open = firstValueFrom(real.connect());
    await clock.advance(10);
    await open;
    for (const frame of frames) server.current?.push(frame);
    await clock.advance(10);

    // The test double, given the same frames and the same history.
    const frames$ = new Subject<WireNotification | string>();
    const double = createTestAgent({
      frames$,
      respond: (command) =>
        command.type === '.ams.ms.QueryMessages'
          ? { body: history.filter((r) => (r.sequence ?? 0) > (command.body.newerThanSequence ?? 0)) }
          : undefined,
    });
    const doubleSeen = record(double);
    for (const frame of frames) frames$.next(frame);

    try {
      expect(realSeen['messages']?.length).toBe(3);
      expect(doubleSeen).toEqual(realSeen);
      expect(double.sent).toEqual([
        { type: '.ams.ms.QueryMessages', body: { dialogId, newerThanSequence: 0, maxQuantity: 100 } },
      ]);
      expect(server.requests('.ams.ms.QueryMessages').map((f) => f.body)).toEqual([{ dialogId, newerThanSequence: 0, maxQuantity: 100 }]);
    } finally {
      real.dispose();
      double.dispose();
    }
  });
});
