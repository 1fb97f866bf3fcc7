import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, map, mergeMap, timeout, type Observable, type Subscription } from 'rxjs';
import { createAgent } from '../../src/index';
import { startEmulator, type Emulator, type EmulatorCredentials } from '../../src/emulator/index';
import { next } from '../integration/helpers';
import type {
  DriverLine,
  SdkExConversationChangeNotification,
  SdkMessagingEventNotification,
  SdkRoutingTaskNotification,
} from './nodeAgentSdk';
import { spawnNodeAgentSdk } from './nodeAgentSdkProcess';

// One agent scenario, run once by LivePerson's own node-agent-sdk 1.2.0 and once by lp-agent-rx,
// each against a TLS emulator. Both must see the same things and put the same bodies on the wire.
// Where they legitimately differ (docs/protocol-notes.md, "Conformance with node-agent-sdk"),
// each client's view below is where the difference is absorbed, with a comment saying why.

/** Who the agent is: PId and legacy id. */
interface Me {
  agentId: string;
  legacyId: string;
}
interface RingView {
  ringId: string;
  ringState: string;
  convId: string;
}
interface ConversationView {
  convId: string;
  changeType: string;
  state: string;
  myRole: string | undefined;
  participants: { id: string; role: string }[];
  lastContent: { originatorId: string; text: unknown } | undefined;
}
interface MessageView {
  dialogId: string;
  sequence: number | undefined;
  originatorId: string;
  isMe: boolean;
  eventType: string;
  text: unknown;
}

/** The scenario's view of a client: its calls and what it delivers, in the protocol's terms. */
interface ScenarioClient {
  connect(): Promise<Me>;
  subscribeRoutingTasks(): Promise<unknown>;
  setAgentState(availability: 'ONLINE'): Promise<unknown>;
  subscribeExConversations(body: { convState: ('OPEN' | 'CLOSE')[]; agentIds: string[] }): Promise<unknown>;
  updateRingState(ringId: string, ringState: 'ACCEPTED'): Promise<unknown>;
  publishText(dialogId: string, message: string): Promise<unknown>;
  closeConversation(conversationId: string): Promise<unknown>;
  /** Closes the MAIN dialog: with a post-conversation survey, the survey dialog opens. */
  closeMainDialog(conversationId: string): Promise<unknown>;
  /** The close code each time the client's socket closes. */
  readonly closes$: Observable<number | undefined>;
  readonly rings$: Observable<RingView>;
  readonly conversations$: Observable<ConversationView>;
  readonly messages$: Observable<MessageView>;
  /** Errors the client reported (TransformError, DecodeError...): none is expected. */
  readonly errors: unknown[];
  dispose(): Promise<void>;
}

/** The DialogChange that closes a conversation's MAIN dialog (its id is the conversation's). */
function closeMainDialogBody(conversationId: string) {
  return {
    conversationId,
    conversationField: [{ field: 'DialogChange' as const, type: 'UPDATE' as const, dialogId: conversationId, dialog: { dialogId: conversationId, state: 'CLOSE' as const } }],
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
const hasChanges = (body: unknown): boolean => isRecord(body) && Array.isArray(body['changes']);

/** node-agent-sdk in a child process; `caFile` holds the emulator's certificate. */
function nodeAgentSdkClient(creds: EmulatorCredentials, caFile: string): ScenarioClient {
  const sdk = spawnNodeAgentSdk(
    { accountId: creds.accountId, username: creds.username, password: creds.password, csdsDomain: creds.csdsDomain },
    caFile,
  );
  const errors: unknown[] = [];
  sdk.lines$.subscribe((line) => {
    if (line.kind === 'error') errors.push(line);
  });
  const notifications = <T>(type: string): Observable<T> =>
    sdk.lines$.pipe(
      filter((line): line is Extract<DriverLine, { kind: 'notification' }> => line.kind === 'notification' && line.type === type),
      filter((line) => hasChanges(line.body)),
      // Narrowed to `{changes: []}` above; the rest is the SDK's documented shape (nodeAgentSdk.d.ts).
      map((line) => line.body as T),
    );
  // The SDK's login and socket; the guard turns a hung child into a failure, afterEach kills it.
  const connected = firstValueFrom(
    sdk.lines$.pipe(
      filter((l) => l.kind === 'connected' || l.kind === 'error'),
      timeout({ first: 10_000 }),
    ),
  );

  return {
    errors,
    connect: async () => {
      const line = await connected;
      if (line.kind !== 'connected') throw new Error(`node-agent-sdk did not connect: ${JSON.stringify(line)} ${sdk.stderr()}`);
      return { agentId: line.agentId, legacyId: line.legacyId };
    },
    subscribeRoutingTasks: () => sdk.call('subscribeRoutingTasks', {}),
    setAgentState: (availability) => sdk.call('setAgentState', { availability }),
    subscribeExConversations: (body) => sdk.call('subscribeExConversations', body),
    updateRingState: (ringId, ringState) => sdk.call('updateRingState', { ringId, ringState }),
    publishText: (dialogId, message) => sdk.call('publishEvent', { dialogId, event: { type: 'ContentEvent', contentType: 'text/plain', message } }),
    closeConversation: (conversationId) =>
      sdk.call('updateConversationField', { conversationId, conversationField: [{ field: 'ConversationStateField', conversationState: 'CLOSE' }] }),
    closeMainDialog: (conversationId) => sdk.call('updateConversationField', closeMainDialogBody(conversationId)),
    closes$: sdk.lines$.pipe(
      filter((line): line is Extract<DriverLine, { kind: 'closed' }> => line.kind === 'closed'),
      map((line) => line.code),
    ),
    // The Transformer deletes each ring's convId: the routing task's `conversationId` is all that is left.
    rings$: notifications<SdkRoutingTaskNotification>('routing.RoutingTaskNotification').pipe(
      mergeMap((body) => body.changes.flatMap((c) => c.result.ringsDetails.map((r) => ({ ringId: r.ringId, ringState: r.ringState, convId: c.result.conversationId })))),
    ),
    conversations$: notifications<SdkExConversationChangeNotification>('cqm.ExConversationChangeNotification').pipe(
      mergeMap((body) =>
        body.changes.map((c) => ({
          convId: c.result.convId,
          changeType: c.type,
          state: c.result.conversationDetails.state,
          myRole: c.result.conversationDetails.__myRole,
          participants: c.result.conversationDetails.participants,
          // The Transformer rewrites the ids of live records only: this one keeps the wire's legacy id.
          lastContent: c.result.lastContentEventNotification && {
            originatorId: c.result.lastContentEventNotification.originatorId,
            text: c.result.lastContentEventNotification.event.message,
          },
        })),
      ),
    ),
    messages$: notifications<SdkMessagingEventNotification>('ms.MessagingEventNotification').pipe(
      mergeMap((body) =>
        body.changes.map((r) => ({
          dialogId: r.dialogId,
          sequence: r.sequence,
          originatorId: r.originatorId,
          isMe: r.__isMe,
          eventType: r.event.type,
          text: r.event.message,
        })),
      ),
    ),
    dispose: () => sdk.stop(),
  };
}

/** lp-agent-rx over TLS: the emulator's credentials carry `secure: true` and `ca`. */
function lpAgentRxClient(creds: EmulatorCredentials): ScenarioClient {
  const agent = createAgent(creds);
  const errors: unknown[] = [];
  const subscription: Subscription = agent.errors$.subscribe((e) => errors.push(e));
  return {
    errors,
    connect: async () => {
      await firstValueFrom(agent.connect());
      const identity = agent.identity;
      if (!identity?.userPid) throw new Error('no identity after connect');
      return { agentId: identity.userPid, legacyId: identity.legacyId };
    },
    subscribeRoutingTasks: () => firstValueFrom(agent.subscribeRoutingTasks()),
    setAgentState: (availability) => firstValueFrom(agent.setAgentState({ availability })),
    subscribeExConversations: (body) => firstValueFrom(agent.subscribeExConversations(body)),
    updateRingState: (ringId, ringState) => firstValueFrom(agent.updateRingState({ ringId, ringState })),
    publishText: (dialogId, message) =>
      firstValueFrom(agent.publishEvent({ dialogId, event: { type: 'ContentEvent', contentType: 'text/plain', message } })),
    closeConversation: (conversationId) =>
      firstValueFrom(
        agent.updateConversationField({ conversationId, conversationField: [{ field: 'ConversationStateField', conversationState: 'CLOSE' }] }),
      ),
    closeMainDialog: (conversationId) => firstValueFrom(agent.updateConversationField(closeMainDialogBody(conversationId))),
    closes$: agent.errors$.pipe(
      filter((e) => e.kind === 'ConnectionClosed' || e.kind === 'SessionTakenOver'),
      map((e) => ('code' in e ? e.code : undefined)),
    ),
    rings$: agent.rings$.pipe(map((r) => ({ ringId: r.ringId, ringState: r.ringState, convId: r.convId }))),
    conversations$: agent.conversations$.pipe(
      map((c) => ({
        convId: c.convId,
        changeType: c.type,
        state: c.conversation.state,
        myRole: c.myRole,
        // Participants also carry `legacyId` and `state` here; node-agent-sdk keeps only id and role.
        participants: c.conversation.participants.map(({ id, role }) => ({ id, role })),
        lastContent: c.conversation.lastContentEvent && {
          originatorId: c.conversation.lastContentEvent.originatorId,
          text: c.conversation.lastContentEvent.type === 'ContentEvent' ? c.conversation.lastContentEvent.event.message : undefined,
        },
      })),
    ),
    messages$: agent.messages$.pipe(
      map((m) => ({
        dialogId: m.dialogId,
        sequence: m.sequence,
        originatorId: m.originatorId,
        isMe: m.isMe,
        eventType: m.type,
        text: m.type === 'ContentEvent' ? m.event.message : undefined,
      })),
    ),
    dispose: async () => {
      subscription.unsubscribe();
      agent.dispose();
    },
  };
}

/** A client, and the id it shows as the originator of the agent's own last content event. */
const clients: Array<[string, (creds: EmulatorCredentials, caFile: string) => ScenarioClient, (me: Me) => string]> = [
  ['node-agent-sdk 1.2.0', nodeAgentSdkClient, (me) => me.legacyId],
  ['lp-agent-rx', (creds) => lpAgentRxClient(creds), (me) => me.agentId],
];

describe.each(clients)('%s against the TLS emulator', (name, makeClient, lastContentOriginator) => {
  let emulator: Emulator;
  let dir: string;
  let client: ScenarioClient | undefined;

  beforeEach(async () => {
    emulator = await startEmulator({ tls: true, seed: 7, postSurvey: true });
    dir = mkdtempSync(join(tmpdir(), 'lp-conformance-'));
  });

  afterEach(async () => {
    await client?.dispose();
    client = undefined;
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in, is rung, accepts, converses, goes through the survey, closes the conversation, and yields to a second login', async () => {
    const creds = emulator.addAgent({ username: 'agent', password: 'pw', skills: ['-1'] });
    const caFile = join(dir, 'emulator-ca.pem');
    writeFileSync(caFile, emulator.ca ?? '');
    const wire: { type: string; body: unknown }[] = [];
    const recording = emulator.requests$
      .pipe(filter((r) => r.username === 'agent' && !/GetClock|KeepAlive/.test(r.request.type)))
      .subscribe((r) => wire.push({ type: r.request.type, body: r.request.body }));
    client = makeClient(creds, caFile);

    const me = await client.connect();
    const identity = emulator.agentIdentity('agent');
    expect(me).toEqual({ agentId: identity.userPid, legacyId: identity.legacyId });

    await client.subscribeRoutingTasks();
    await client.setAgentState('ONLINE');
    // Both clients turn the own PId into the legacy id on the wire.
    await client.subscribeExConversations({ convState: ['OPEN'], agentIds: [me.agentId] });

    const ring$ = next(client.rings$, (r) => r.ringState === 'WAITING');
    const consumer = await emulator.consumer({ skillId: '-1' });
    const ring = await ring$;
    expect(ring.convId).toBe(consumer.convId);

    const joined$ = next(client.conversations$, (c) => c.convId === consumer.convId && c.myRole === 'ASSIGNED_AGENT');
    await client.updateRingState(ring.ringId, 'ACCEPTED');
    const joined = await joined$;
    expect(joined).toMatchObject({ changeType: 'UPSERT', state: 'OPEN' });
    expect(joined.participants).toEqual(
      expect.arrayContaining([
        { id: consumer.consumerId, role: 'CONSUMER' },
        { id: me.agentId, role: 'ASSIGNED_AGENT' },
      ]),
    );

    const hello$ = next(client.messages$, (m) => m.eventType === 'ContentEvent' && !m.isMe);
    const helloSequence = await consumer.send('hello');
    expect(await hello$).toEqual({
      dialogId: consumer.convId,
      sequence: helloSequence,
      originatorId: consumer.consumerId,
      isMe: false,
      eventType: 'ContentEvent',
      text: 'hello',
    });

    const echo$ = next(client.messages$, (m) => m.eventType === 'ContentEvent' && m.isMe);
    const seen$ = next(consumer.received$, (r) => r.event.type === 'ContentEvent');
    const lastContent$ = next(client.conversations$, (c) => c.convId === consumer.convId && c.lastContent?.text === `hi from ${name}`);
    const published = await client.publishText(consumer.convId, `hi from ${name}`);
    expect(published).toEqual({ sequence: helloSequence + 1 });
    expect((await seen$).event).toMatchObject({ contentType: 'text/plain', message: `hi from ${name}` });
    expect(await echo$).toMatchObject({ sequence: helloSequence + 1, originatorId: me.agentId, isMe: true });
    expect((await lastContent$).lastContent?.originatorId).toBe(lastContentOriginator(me));

    // Closing the MAIN dialog opens the survey: the conversation is CLOSE (a DELETE for a
    // subscription to OPEN conversations) while the survey dialog runs.
    const closed$ = next(client.conversations$, (c) => c.convId === consumer.convId && c.state === 'CLOSE');
    await client.closeMainDialog(consumer.convId);
    expect(await closed$).toMatchObject({ changeType: 'DELETE' });
    const surveyId = emulator.conversation(consumer.convId)?.details.dialogs?.find((d) => d.dialogType === 'POST_SURVEY')?.dialogId;
    expect(surveyId).toEqual(expect.any(String));
    const answer$ = next(client.messages$, (m) => m.eventType === 'ContentEvent' && m.text === '5 stars');
    await consumer.send('5 stars');
    expect(await answer$).toMatchObject({ dialogId: surveyId, sequence: 1, originatorId: consumer.consumerId, isMe: false });

    await client.closeConversation(consumer.convId);
    expect(emulator.conversation(consumer.convId)?.details).toMatchObject({ state: 'CLOSE', stage: 'CLOSE', closeReason: 'AGENT' });

    recording.unsubscribe();
    // lp-agent-rx follows the conversation it joined and then its survey dialog (a history query
    // each); node-agent-sdk leaves that to the bot.
    const follows = wire.filter((w) => w.type === '.ams.ms.QueryMessages');
    const query = (dialogId: string | undefined) => ({ type: '.ams.ms.QueryMessages', body: { dialogId, newerThanSequence: 0, maxQuantity: 100 } });
    expect(follows).toEqual(name === 'lp-agent-rx' ? [query(consumer.convId), query(surveyId)] : []);
    expect(wire.filter((w) => w.type !== '.ams.ms.QueryMessages')).toEqual([
      { type: '.ams.routing.SubscribeRoutingTasks', body: { channelType: 'MESSAGING', agentId: me.legacyId, brandId: emulator.accountId } },
      { type: '.ams.routing.SetAgentState', body: { availability: 'ONLINE', channels: ['MESSAGING'], agentUserId: me.legacyId } },
      { type: '.ams.aam.SubscribeExConversations', body: { convState: ['OPEN'], agentIds: [me.legacyId] } },
      { type: '.ams.routing.UpdateRingState', body: { ringId: ring.ringId, ringState: 'ACCEPTED' } },
      {
        type: '.ams.ms.PublishEvent',
        body: { dialogId: consumer.convId, event: { type: 'ContentEvent', contentType: 'text/plain', message: `hi from ${name}` } },
      },
      { type: '.ams.cm.UpdateConversationField', body: closeMainDialogBody(consumer.convId) },
      {
        type: '.ams.cm.UpdateConversationField',
        body: { conversationId: consumer.convId, conversationField: [{ field: 'ConversationStateField', conversationState: 'CLOSE' }] },
      },
    ]);
    expect(client.errors).toEqual([]);

    // A second login of the same user ends this session (one session per agent user).
    const closedBySecond$ = firstValueFrom(client.closes$.pipe(timeout({ first: 10_000 })));
    const second = createAgent(creds);
    try {
      await firstValueFrom(second.connect());
      expect(await closedBySecond$).toBe(4409);
    } finally {
      second.dispose();
    }
  });
});
