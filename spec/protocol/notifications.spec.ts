import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import type { DecodeError } from '../../src/domain/errors.js';
import { decodeFrame, isNotificationType, notificationCodecs, type Notification, type NotificationType } from '../../src/protocol/index.js';
import {
  ACCOUNT,
  agentStateBody,
  AGENT_PID,
  CONSUMER_ID,
  CONV_ID,
  eventRecord,
  events,
  exConversationBody,
  LEGACY_ID,
  notificationFrame,
  routingTaskBody,
  validNotificationBodies,
  wire,
} from './fixtures.js';

function decodeNotification(type: string, body: unknown): Notification {
  const r = decodeFrame(JSON.stringify(notificationFrame(type, body)));
  if (isLeft(r)) throw new Error(`expected ${type} to decode, got: ${r.left.message}`);
  if (r.right.kind !== 'notification') throw new Error(`expected a notification, got ${r.right.kind}`);
  return r.right;
}

function notificationFailure(type: string, body: unknown): DecodeError {
  const r = decodeFrame(JSON.stringify(notificationFrame(type, body)));
  if (isRight(r)) throw new Error(`expected ${type} to fail, it decoded`);
  return r.left;
}

const knownTypes = Object.keys(notificationCodecs) as NotificationType[];

type ExResult = (typeof exConversationBody)['changes'][number]['result'];

/** The conversation fixture with its first change's result rewritten. */
function conversationWith(edit: (result: ExResult) => void): unknown {
  const body = wire(exConversationBody);
  const first = body.changes[0];
  if (!first) throw new Error('fixture has no change');
  edit(first.result);
  return body;
}

describe('known notifications', () => {
  it('knows exactly the notification types of PROTOCOL.md §4', () => {
    expect([...knownTypes].sort()).toEqual(
      [
        '.ams.aam.ExConversationChangeNotification',
        '.ams.ms.OnlineEventDistribution',
        '.ams.routing.AgentStateNotification',
        '.ams.routing.RingUpdated',
        '.ams.routing.RoutingTaskNotification',
      ].sort(),
    );
    expect(isNotificationType('.ams.routing.RoutingTaskNotification')).toBe(true);
    expect(isNotificationType('toString')).toBe(false);
  });

  it.each(knownTypes)('decodes %s as known, its body unchanged', (type) => {
    const body = validNotificationBodies[type];
    const n = decodeNotification(type, body);
    expect(n).toEqual({ kind: 'notification', known: true, type, body });
  });

  it('types the body of a RoutingTaskNotification once narrowed by type', () => {
    const n = decodeNotification('.ams.routing.RoutingTaskNotification', routingTaskBody);
    if (!n.known || n.type !== '.ams.routing.RoutingTaskNotification') throw new Error('not narrowed');
    const ring = n.body.changes[0]?.result.ringsDetails[0];
    expect(ring?.ringState).toBe('WAITING');
    expect(ring?.ringExpiration).toBe(72000);
  });

  it('decodes the first RoutingTaskNotification after subscribing, which has changes: []', () => {
    const n = decodeNotification('.ams.routing.RoutingTaskNotification', { subscriptionId: 'sub-routing-1', changes: [] });
    expect(n).toMatchObject({ known: true, body: { changes: [] } });
  });

  it.each(['WAITING', 'ACCEPTED', 'REJECTED', 'EXPIRED', 'CANCELLED', 'AUTO_ACCEPT'])('decodes a ring in state %s', (ringState) => {
    const body = wire(routingTaskBody);
    const ring = body.changes[0]?.result.ringsDetails[0];
    if (!ring) throw new Error('fixture has no ring');
    Object.assign(ring, { ringState });
    expect(decodeNotification('.ams.routing.RoutingTaskNotification', body).known).toBe(true);
  });

  it('decodes a DELETE routing task whose ringsDetails is empty (task completed)', () => {
    const body = { changes: [{ type: 'DELETE', result: { conversationId: CONV_ID, taskCompleted: true, ringsDetails: [] } }] };
    expect(decodeNotification('.ams.routing.RoutingTaskNotification', body)).toMatchObject({ known: true, body });
  });

  it('types the body of an AgentStateNotification', () => {
    const n = decodeNotification('.ams.routing.AgentStateNotification', agentStateBody);
    if (!n.known || n.type !== '.ams.routing.AgentStateNotification') throw new Error('not narrowed');
    expect(n.body.changes[0]?.result.availability).toBe('AWAY');
  });

  it.each(events)('decodes an OnlineEventDistribution carrying a %s event', (_name, event) => {
    const body = { ...eventRecord, event };
    expect(decodeNotification('.ams.ms.OnlineEventDistribution', body)).toEqual({
      kind: 'notification',
      known: true,
      type: '.ams.ms.OnlineEventDistribution',
      body,
    });
  });

  it('decodes the old v2 OnlineEventDistribution with only sequence, originatorPId, serverTimestamp, event and dialogId', () => {
    const body = { sequence: 3, originatorPId: AGENT_PID, serverTimestamp: 1700000000000, event: { type: 'ChatStateEvent', chatState: 'COMPOSING' }, dialogId: CONV_ID };
    expect(decodeNotification('.ams.ms.OnlineEventDistribution', body)).toMatchObject({ known: true, body });
  });

  it('decodes a RingUpdated notification whatever its body', () => {
    for (const body of [{}, { anything: [1, 2] }, 'x', null]) {
      expect(decodeNotification('.ams.routing.RingUpdated', body)).toEqual({ kind: 'notification', known: true, type: '.ams.routing.RingUpdated', body });
    }
  });
});

describe('ExConversationChangeNotification', () => {
  const type = '.ams.aam.ExConversationChangeNotification';

  it('types dialogs, participantsDetails and a SUGGESTED transfer target', () => {
    const n = decodeNotification(type, exConversationBody);
    if (!n.known || n.type !== type) throw new Error('not narrowed');
    const details = n.body.changes[0]?.result.conversationDetails;
    expect(details?.dialogs?.map((d) => d.dialogType)).toEqual(['MAIN', 'POST_SURVEY']);
    expect(details?.dialogs?.[0]?.participantsDetails?.find((p) => p.state === 'SUGGESTED')?.id).toBe(`${ACCOUNT}.5522`);
    expect(details?.participants.ASSIGNED_AGENT).toEqual([LEGACY_ID]);
    expect(details?.participantsPId?.ASSIGNED_AGENT).toEqual([AGENT_PID]);
  });

  it('decodes a conversation without participantsPId', () => {
    const body = conversationWith((r) => delete r.conversationDetails.participantsPId);
    expect(decodeNotification(type, body)).toMatchObject({ known: true, body });
  });

  it('decodes a conversation whose participantsPId lacks a role that participants has (CONTROLLER)', () => {
    const n = decodeNotification(type, exConversationBody);
    if (!n.known || n.type !== type) throw new Error('not narrowed');
    const details = n.body.changes[0]?.result.conversationDetails;
    expect(details?.participants.CONTROLLER).toHaveLength(1);
    expect(details?.participantsPId?.CONTROLLER).toBeUndefined();
  });

  it('decodes a conversation without lastContentEventNotification (the service race)', () => {
    const body = conversationWith((r) => delete r.lastContentEventNotification);
    expect(decodeNotification(type, body)).toMatchObject({ known: true, body });
  });

  it('decodes old dialogs without participantsDetails and conversations without dialogs', () => {
    const withoutDetails = conversationWith((r) => r.conversationDetails.dialogs?.forEach((d) => delete d.participantsDetails));
    const withoutDialogs = conversationWith((r) => delete r.conversationDetails.dialogs);
    expect(decodeNotification(type, withoutDetails)).toMatchObject({ known: true, body: withoutDetails });
    expect(decodeNotification(type, withoutDialogs)).toMatchObject({ known: true, body: withoutDialogs });
  });

  it('decodes a DELETE change carrying conversationDetails of a closed conversation', () => {
    const body = conversationWith((r) => {
      Object.assign(r.conversationDetails, { state: 'CLOSE', stage: 'CLOSE', closeReason: 'CONSUMER', endTs: 1700000900000 });
    });
    const change = (body as typeof exConversationBody).changes[0];
    if (change) change.type = 'DELETE';
    expect(decodeNotification(type, body)).toMatchObject({ known: true, body });
  });

  it('decodes roles this version does not know, keeping them in participants', () => {
    const body = conversationWith((r) => Object.assign(r.conversationDetails.participants, { VIRTUAL_ASSISTANT: ['va-1'] }));
    expect(decodeNotification(type, body)).toMatchObject({ known: true, body });
  });

  it('decodes a snapshot of many conversations', () => {
    const body = wire(exConversationBody);
    const first = body.changes[0];
    if (!first) throw new Error('fixture has no change');
    body.changes = Array.from({ length: 1001 }, (_, i) => ({ ...first, result: { ...first.result, convId: `conv-${i}` } }));
    const n = decodeNotification(type, body);
    expect(n.known && n.type === type && n.body.changes).toHaveLength(1001);
  });
});

describe('unknown notifications', () => {
  it('pass through as known: false with their body intact', () => {
    const body = { dialogId: CONV_ID, changes: [{ nested: { deep: [1, 'two', null] } }] };
    expect(decodeNotification('.ams.cm.ConversationChangeNotification', body)).toEqual({
      kind: 'notification',
      known: false,
      type: '.ams.cm.ConversationChangeNotification',
      body,
    });
  });

  it('pass through when their body is missing or not an object', () => {
    const r = decodeFrame(JSON.stringify({ kind: 'notification', type: '.ams.future.Thing' }));
    expect(isRight(r) && r.right).toEqual({ kind: 'notification', known: false, type: '.ams.future.Thing', body: undefined });
    expect(decodeNotification('.ams.future.Thing', 'text')).toMatchObject({ known: false, body: 'text' });
  });

  it('are not matched by prototype names', () => {
    expect(decodeNotification('constructor', {})).toMatchObject({ known: false, type: 'constructor' });
    expect(decodeNotification('__proto__', { a: 1 })).toMatchObject({ known: false, type: '__proto__', body: { a: 1 } });
  });
});

describe('fields the codecs do not name', () => {
  it('are kept inside a ring, a routing task and the notification body', () => {
    const body = wire(routingTaskBody) as unknown as { changes: Array<{ result: { ringsDetails: Array<Record<string, unknown>> } & Record<string, unknown> }> } & Record<string, unknown>;
    body['futureField'] = { added: 'later' };
    const change = body.changes[0];
    if (!change) throw new Error('fixture has no change');
    change.result['futureField'] = 1;
    const ring = change.result.ringsDetails[0];
    if (!ring) throw new Error('fixture has no ring');
    ring['futureField'] = ['x', { y: true }];
    expect(decodeNotification('.ams.routing.RoutingTaskNotification', body).body).toEqual(body);
  });

  it('are kept inside conversationDetails, a dialog, a participant and the last event', () => {
    const body = conversationWith((r) => {
      Object.assign(r.conversationDetails, { futureField: { priority: 'high' } });
      Object.assign(r.conversationDetails.dialogs?.[0] ?? {}, { futureField: 'dialog-level' });
      Object.assign(r.conversationDetails.dialogs?.[0]?.participantsDetails?.[0] ?? {}, { futureField: 'participant-level' });
      Object.assign(r.lastContentEventNotification ?? {}, { futureField: 'record-level' });
      Object.assign(r.lastContentEventNotification?.event ?? {}, { futureField: 'event-level' });
    });
    const decoded = decodeNotification('.ams.aam.ExConversationChangeNotification', body);
    expect(decoded.body).toEqual(body);
    expect(JSON.stringify(decoded.body)).toContain('participant-level');
    expect(JSON.stringify(decoded.body)).toContain('event-level');
  });

  it('are kept inside an event record and its originator metadata', () => {
    const body = { ...eventRecord, futureField: 1, originatorMetadata: { id: AGENT_PID, role: 'ASSIGNED_AGENT', futureField: 2 } };
    expect(decodeNotification('.ams.ms.OnlineEventDistribution', body).body).toEqual(body);
  });

  it('are kept on agent state records', () => {
    const body = { changes: [{ type: 'UPSERT', result: { availability: 'ONLINE', futureField: 'x' }, futureField: 'y' }] };
    expect(decodeNotification('.ams.routing.AgentStateNotification', body).body).toEqual(body);
  });
});

describe('invalid notification bodies', () => {
  it.each([
    [
      '.ams.routing.RoutingTaskNotification',
      'body.changes[0].result.ringsDetails[0].ringState',
      routingTaskWithRingState(42),
      /string/,
    ],
    [
      '.ams.routing.AgentStateNotification',
      'body.changes[0].result.availability',
      { changes: [{ type: 'UPSERT', result: { availability: 7 } }] },
      /Availability/,
    ],
    [
      '.ams.routing.AgentStateNotification',
      'body.changes[0].type',
      { changes: [{ type: null, result: { availability: 'ONLINE' } }] },
      /ChangeType/,
    ],
    [
      '.ams.aam.ExConversationChangeNotification',
      'body.changes[0].result.conversationDetails.state',
      conversationWith((r) => Object.assign(r.conversationDetails, { state: { paused: true } })),
      /ConversationState/,
    ],
    [
      '.ams.aam.ExConversationChangeNotification',
      'body.changes[0].result.conversationDetails.dialogs[0].participantsDetails[0].state',
      conversationWith((r) => Object.assign(r.conversationDetails.dialogs?.[0]?.participantsDetails?.[0] ?? {}, { state: 3 })),
      /ParticipantState/,
    ],
    [
      '.ams.aam.ExConversationChangeNotification',
      'body.changes[0].result.conversationDetails.participants.ASSIGNED_AGENT',
      conversationWith((r) => Object.assign(r.conversationDetails.participants, { ASSIGNED_AGENT: LEGACY_ID })),
      /Array<string>/,
    ],
  ])('%s: delivers the notification without the change that fails at %s, naming it', (type, path, body, expected) => {
    const r = decodeFrame(JSON.stringify(notificationFrame(type, body)));
    if (isLeft(r) || r.right.kind !== 'notification' || !r.right.known) throw new Error(`expected ${type} to be delivered`);
    expect(r.right.body).toMatchObject({ changes: [] });
    const [problem, ...more] = r.right.problems ?? [];
    expect(more).toEqual([]);
    expect(problem).toMatchObject({ kind: 'DecodeError', reason: 'schema', path, frameType: type });
    expect(problem?.message).toMatch(expected);
  });

  it.each([
    ['.ams.routing.RoutingTaskNotification', 'body.changes', { subscriptionId: 's' }, /Array/],
    ['.ams.ms.OnlineEventDistribution', 'body.dialogId', { sequence: 1, event: eventRecord.event }, /string/],
    ['.ams.ms.OnlineEventDistribution', 'body.event.status', { ...eventRecord, event: { type: 'AcceptStatusEvent', status: 5, sequenceList: [1] } }, /AcceptStatus/],
  ])('%s: refuses a bad body at %s', (type, path, body, expected) => {
    const err = notificationFailure(type, body);
    expect(err).toMatchObject({ kind: 'DecodeError', reason: 'schema', path, frameType: type });
    expect(err.message).toMatch(expected);
  });
});

function routingTaskWithRingState(ringState: unknown): unknown {
  return {
    changes: [{ type: 'UPSERT', result: { conversationId: CONV_ID, consumerId: CONSUMER_ID, ringsDetails: [{ ringId: 'r-1', ringState }] } }],
  };
}
