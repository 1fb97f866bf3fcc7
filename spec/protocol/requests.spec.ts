import { isLeft, isRight, type Either } from 'fp-ts/lib/Either.js';
import { DecodeError } from '../../src/domain/errors.js';
import {
  collectUnknownValues,
  AcceptStatus,
  Availability,
  canonicalRequestType,
  ChangeType,
  ChannelType,
  ChatState,
  CloseReason,
  ClosedBy,
  ConversationState,
  decodeRequest,
  DelayType,
  DialogType,
  FileType,
  MessageAudience,
  ParticipantState,
  requestDefinitions,
  requestTypes,
  RingAnswer,
  RingState,
  Role,
  TtrType,
  type Request,
  type RequestType,
} from '../../src/protocol/index.js';
import { conversationFields, CONV_ID, events, invalidRequestBodies, LEGACY_ID, requestFrame, validRequestBodies } from './fixtures.js';

function decodeOk(type: string, body: unknown, id: string | number = 'req-1'): Request {
  const r = decodeRequest(JSON.stringify(requestFrame(type, body, id)));
  if (isLeft(r)) throw new Error(`expected ${type} to decode, got: ${r.left.message}`);
  return r.right;
}

function decodeFailure(type: string, body: unknown): DecodeError {
  const r: Either<DecodeError, Request> = decodeRequest(JSON.stringify(requestFrame(type, body)));
  if (isRight(r)) throw new Error(`expected ${type} to fail, it decoded`);
  return r.left;
}

const all = requestTypes.map((type) => [type] as const);
const aliases = requestTypes.flatMap((type) => requestDefinitions[type].aliases.map((alias) => [alias, type] as const));

describe('request table', () => {
  it('defines exactly the 18 request types of PROTOCOL.md §3', () => {
    expect(requestTypes).toHaveLength(18);
    expect([...requestTypes].sort()).toEqual(
      [
        '.GetClock',
        '.KeepAlive',
        '.ams.routing.SetAgentState',
        '.ams.routing.SubscribeAgentsState',
        '.ams.routing.SubscribeRoutingTasks',
        '.ams.routing.UpdateRoutingTaskSubscription',
        '.ams.routing.UpdateRingState',
        '.ams.aam.SubscribeExConversations',
        '.ams.aam.UnsubscribeExConversations',
        '.ams.aam.UpdateExConversationSubscription',
        '.ams.cm.UpdateConversationField',
        '.ams.ms.PublishEvent',
        '.ams.ms.QueryMessages',
        '.ams.userprofile.GetUserProfile',
        '.ams.cm.AgentRequestConversation',
        '.ams.ms.GenerateURLForUploadFile',
        '.ams.ms.GenerateURLForDownloadFile',
        '.ams.ms.token.GenerateDownloadToken',
      ].sort(),
    );
  });

  it.each([
    ['GetClock', '.GetClock'],
    ['KeepAlive', '.KeepAlive'],
    ['ms.PublishEvent', '.ams.ms.PublishEvent'],
    ['cm.UpdateConversationField', '.ams.cm.UpdateConversationField'],
    ['routing.SetAgentState', '.ams.routing.SetAgentState'],
    ['cqm.SubscribeExConversations', '.ams.aam.SubscribeExConversations'],
    ['up.GetUserProfile', '.ams.userprofile.GetUserProfile'],
  ])('maps the documented short alias %s to %s', (alias, type) => {
    expect(canonicalRequestType(alias)).toBe(type);
  });

  it('maps every long name to itself and refuses names it does not know', () => {
    for (const type of requestTypes) expect(canonicalRequestType(type)).toBe(type);
    expect(canonicalRequestType('.ams.routing.Nope')).toBeUndefined();
    expect(canonicalRequestType('')).toBeUndefined();
    expect(canonicalRequestType('__proto__')).toBeUndefined();
  });

  it('gives no alias to two request types', () => {
    const names = aliases.map(([alias]) => alias);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('decodeRequest', () => {
  it.each(all)('decodes a valid %s body sent under its long name', (type) => {
    const body = validRequestBodies[type];
    const request = decodeOk(type, body);
    expect(request).toMatchObject({ kind: 'req', id: 'req-1', type, sentType: type });
    expect(request.body).toEqual(body);
  });

  it.each(aliases)('decodes a valid body sent under the short alias %s as %s', (alias, type) => {
    const request = decodeOk(alias, validRequestBodies[type]);
    expect(request.type).toBe(type);
    expect(request.sentType).toBe(alias);
    expect(request.body).toEqual(validRequestBodies[type]);
  });

  it.each(all)('refuses an invalid %s body, naming the failing field and what it expected', (type: RequestType) => {
    const { body, path, expected } = invalidRequestBodies[type];
    const err = decodeFailure(type, body);
    expect(err).toBeInstanceOf(DecodeError);
    expect(err.kind).toBe('DecodeError');
    expect(err.reason).toBe('schema');
    expect(err.path).toBe(path);
    expect(err.frameType).toBe(type);
    expect(err.reqId).toBe('req-1');
    expect(err.message).toContain(`${type}: ${path} is not `);
    expect(err.message).toMatch(expected);
  });

  it.each(aliases)('refuses an invalid body sent under the alias %s the same way as under %s', (alias, type) => {
    const err = decodeFailure(alias, invalidRequestBodies[type].body);
    expect(err.path).toBe(invalidRequestBodies[type].path);
    expect(err.frameType).toBe(type);
  });

  it('normalizes a numeric request id to a string', () => {
    expect(decodeOk('GetClock', {}, 42).id).toBe('42');
  });

  it('treats a missing body as {} (GetClock, KeepAlive)', () => {
    for (const type of ['GetClock', 'KeepAlive']) {
      const r = decodeRequest(JSON.stringify({ kind: 'req', id: 'k', type }));
      expect(isRight(r) && r.right.body).toEqual({});
    }
  });

  it('keeps metadata and headers of the envelope', () => {
    const metadata = [{ type: 'ActionReason', reason: 'transfer', reasonId: '7' }];
    const headers = [{ type: '.ams.headers.ClientProperties', integration: 'BRAND_SDK', features: ['AUTO_MESSAGES'] }];
    const r = decodeRequest(JSON.stringify({ ...requestFrame('ms.PublishEvent', validRequestBodies['.ams.ms.PublishEvent']), metadata, headers }));
    expect(isRight(r) && r.right).toMatchObject({ metadata, headers });
  });

  it('refuses an unknown request type, keeping the id so the server can answer it', () => {
    const err = decodeFailure('.ams.routing.Teleport', {});
    expect(err).toMatchObject({ reason: 'schema', path: 'type', reqId: 'req-1' });
    expect(err.message).toMatch(/unknown request type/);
  });

  it.each([
    ['a frame without an id', { kind: 'req', type: 'GetClock', body: {} }, 'id'],
    ['a frame whose kind is not req', { kind: 'resp', id: '1', type: 'GetClock', body: {} }, 'kind'],
    ['a frame with a non-string type', { kind: 'req', id: '1', type: 7, body: {} }, 'type'],
    ['headers that are not typed objects', { kind: 'req', id: '1', type: 'GetClock', headers: [{ appId: 'x' }] }, 'headers[0].type'],
  ])('refuses %s as an envelope error', (_name, frame, path) => {
    const r = decodeRequest(JSON.stringify(frame));
    expect(isLeft(r) && r.left).toMatchObject({ reason: 'envelope', path });
  });
});

describe('GetUserProfile body', () => {
  it('accepts a bare consumer id string', () => {
    expect(decodeOk('up.GetUserProfile', 'consumer-123').body).toBe('consumer-123');
  });

  it('accepts {} for the own profile and {userId}', () => {
    expect(decodeOk('.ams.userprofile.GetUserProfile', {}).body).toEqual({});
    expect(decodeOk('.ams.userprofile.GetUserProfile', { userId: LEGACY_ID }).body).toEqual({ userId: LEGACY_ID });
  });

  it('refuses a number, naming the body and both accepted shapes', () => {
    const err = decodeFailure('.ams.userprofile.GetUserProfile', 4411);
    expect(err.path).toBe('body');
    expect(err.message).toMatch(/is not a valid GetUserProfileBody$/);
  });
});

describe('UpdateConversationField body', () => {
  it.each(conversationFields)('accepts a %s field inside an array', (_name, field) => {
    const body = { conversationId: CONV_ID, conversationField: [field] };
    expect(decodeOk('.ams.cm.UpdateConversationField', body).body).toEqual(body);
  });

  it.each(conversationFields)('accepts a single %s field object', (_name, field) => {
    const body = { conversationId: CONV_ID, conversationField: field };
    expect(decodeOk('cm.UpdateConversationField', body).body).toEqual(body);
  });

  it('accepts a transfer: REMOVE + SUGGEST + Skill in one request', () => {
    const body = {
      conversationId: CONV_ID,
      conversationField: [
        { field: 'ParticipantsChange', type: 'REMOVE', role: 'ASSIGNED_AGENT', userId: LEGACY_ID },
        { field: 'ParticipantsChange', type: 'SUGGEST', role: 'ASSIGNED_AGENT', userId: '12345678.5522' },
        { field: 'Skill', type: 'UPDATE', skill: '88' },
      ],
    };
    expect(decodeOk('.ams.cm.UpdateConversationField', body).body).toEqual(body);
  });

  it.each([
    ['a Skill update without a skill', { field: 'Skill', type: 'UPDATE' }, 'body.conversationField[0].skill'],
    ['a ParticipantsChange with an unknown role', { field: 'ParticipantsChange', type: 'ADD', role: 'OWNER' }, 'body.conversationField[0].role'],
    ['a DialogChange with an unknown type', { field: 'DialogChange', type: 'DELETE', dialog: { dialogId: 'd' } }, 'body.conversationField[0].type'],
    ['a DialogChange without a dialog id', { field: 'DialogChange', type: 'UPDATE', dialog: { state: 'CLOSE' } }, 'body.conversationField[0].dialog.dialogId'],
    ['a DialogChange closing with an unknown closedBy', { field: 'DialogChange', type: 'UPDATE', dialog: { dialogId: 'd', closedBy: 'BOT' } }, 'body.conversationField[0].dialog.closedBy'],
    ['a TTRField with an unknown ttrType', { field: 'TTRField', ttrType: 'ASAP', value: 60 }, 'body.conversationField[0].ttrType'],
    ['a DelayField with an unknown delay type', { field: 'DelayField', type: 'LUNCH', tillWhen: 1 }, 'body.conversationField[0].type'],
    ['a ManualETTR with a string time', { field: 'ManualETTR', time: 'later' }, 'body.conversationField[0].time'],
    ['a Note without a note', { field: 'Note' }, 'body.conversationField[0].note'],
    ['a CSATRate with an unknown status', { field: 'CSATRate', csatRate: 3, status: 'DONE' }, 'body.conversationField[0].status'],
  ])('refuses %s, naming it', (_name, field, path) => {
    expect(decodeFailure('.ams.cm.UpdateConversationField', { conversationId: CONV_ID, conversationField: [field] }).path).toBe(path);
  });

  it('refuses an unknown field kind, naming the item and what it should be', () => {
    const err = decodeFailure('.ams.cm.UpdateConversationField', { conversationId: CONV_ID, conversationField: [{ field: 'Teleport', to: 'mars' }] });
    expect(err.path).toBe('body.conversationField[0]');
    expect(err.message).toMatch(/is not a valid ConversationField$/);
  });

  it('refuses a conversationField that is neither an array nor a field object', () => {
    const err = decodeFailure('.ams.cm.UpdateConversationField', { conversationId: CONV_ID, conversationField: 'close' });
    expect(err.path).toBe('body.conversationField');
    expect(err.message).toMatch(/Array<ConversationField> \| ConversationField/);
  });

  it('names the failing field of a single (non-array) field object without an index', () => {
    const err = decodeFailure('.ams.cm.UpdateConversationField', {
      conversationId: CONV_ID,
      conversationField: { field: 'TTRField', ttrType: 'ASAP', value: 60 },
    });
    expect(err.path).toBe('body.conversationField.ttrType');
  });

  it('refuses a body without conversationId', () => {
    expect(decodeFailure('.ams.cm.UpdateConversationField', { conversationField: [] }).path).toBe('body.conversationId');
  });
});

describe('PublishEvent events', () => {
  it.each(events)('accepts a %s event', (_name, event) => {
    const body = { dialogId: CONV_ID, event };
    expect(decodeOk('.ams.ms.PublishEvent', body).body).toEqual(body);
  });

  it('accepts messageAudience AGENTS_AND_MANAGERS (a private note)', () => {
    const body = { dialogId: CONV_ID, event: { type: 'ContentEvent', contentType: 'text/plain', message: 'fyi' }, messageAudience: 'AGENTS_AND_MANAGERS' };
    expect(decodeOk('ms.PublishEvent', body).body).toEqual(body);
  });

  it.each([
    ['text/plain with a non-string message', { type: 'ContentEvent', contentType: 'text/plain', message: 5 }, 'body.event.message'],
    ['hosted/file without a relativePath', { type: 'ContentEvent', contentType: 'hosted/file', message: { caption: 'c' } }, 'body.event.message.relativePath'],
    ['a secure invitation without an invitationId', { type: 'ContentEvent', contentType: 'forms/secure-invitation', message: { formId: 'f' } }, 'body.event.message.invitationId'],
    ['a secure submission without a submissionId', { type: 'ContentEvent', contentType: 'forms/secure-submission', message: { invitationId: 'i' } }, 'body.event.message.submissionId'],
    ['rich content without a content type', { type: 'RichContentEvent', content: { elements: [] } }, 'body.event.content.type'],
    ['an AcceptStatusEvent with an unknown status', { type: 'AcceptStatusEvent', status: 'SEEN', sequenceList: [1] }, 'body.event.status'],
    ['an AcceptStatusEvent with a non-numeric sequence', { type: 'AcceptStatusEvent', status: 'READ', sequenceList: [1, '2'] }, 'body.event.sequenceList[1]'],
    ['a ChatStateEvent with an unknown state', { type: 'ChatStateEvent', chatState: 'TYPING' }, 'body.event.chatState'],
  ])('refuses %s, naming the field', (_name, event, path) => {
    expect(decodeFailure('.ams.ms.PublishEvent', { dialogId: CONV_ID, event }).path).toBe(path);
  });

  it.each([
    ['an unknown event type', { type: 'TelepathyEvent' }],
    ['an unknown contentType', { type: 'ContentEvent', contentType: 'text/html', message: '<b>hi</b>' }],
    ['a bare string', 'hello'],
  ])('refuses %s as matching none of the event shapes', (_name, event) => {
    const err = decodeFailure('.ams.ms.PublishEvent', { dialogId: CONV_ID, event });
    expect(err.path).toBe('body.event');
    expect(err.message).toMatch(/body\.event is not a valid Event$/);
  });

  it('refuses an unknown messageAudience', () => {
    const err = decodeFailure('.ams.ms.PublishEvent', { ...validRequestBodies['.ams.ms.PublishEvent'], messageAudience: 'EVERYONE' });
    expect(err.path).toBe('body.messageAudience');
    expect(err.message).toMatch(/one of "ALL" \| "AGENTS_AND_MANAGERS"/);
  });
});

describe('closed literal unions (what a request may say)', () => {
  const enums = [
    ['RingAnswer', RingAnswer, ['ACCEPTED', 'REJECTED']],
    ['FileType', FileType, ['JPG', 'JPEG', 'PNG', 'GIF', 'PDF', 'DOCX', 'XLSX', 'PPTX']],
  ] as const;

  it.each(enums)('%s accepts exactly its members', (_name, codec, members) => {
    expect(Object.keys(codec.keys).sort()).toEqual([...members].sort());
    for (const m of members) expect(isRight(codec.decode(m))).toBe(true);
  });

  it.each(enums)('%s rejects lower case, padded, unknown and non-string values', (_name, codec, members) => {
    const first = members[0];
    for (const bad of [first.toLowerCase(), ` ${first}`, `${first}_X`, '', 'toString', '__proto__', 0, null, undefined, [first], { [first]: null }]) {
      expect(isLeft(codec.decode(bad))).toBe(true);
    }
  });
});

describe('open enums (what the server may send)', () => {
  const enums = [
    ['RingState', RingState, ['WAITING', 'ACCEPTED', 'REJECTED', 'EXPIRED', 'CANCELLED', 'AUTO_ACCEPT']],
    ['Availability', Availability, ['ONLINE', 'OCCUPIED', 'AWAY', 'BACK_SOON', 'OFFLINE']],
    ['ChangeType', ChangeType, ['UPSERT', 'DELETE']],
    ['AcceptStatus', AcceptStatus, ['ACCEPT', 'READ', 'ACCESS', 'NACK', 'ACTION', 'VIEWED']],
    ['ChatState', ChatState, ['ACTIVE', 'INACTIVE', 'GONE', 'COMPOSING', 'PAUSE', 'BACKGROUND']],
    ['MessageAudience', MessageAudience, ['ALL', 'AGENTS_AND_MANAGERS']],
    ['Role', Role, ['CONSUMER', 'ASSIGNED_AGENT', 'MANAGER', 'READER', 'CONTROLLER', 'AGENT', 'BRAND_BOT']],
    ['ConversationState', ConversationState, ['OPEN', 'CLOSE', 'LOCKED']],
    ['CloseReason', CloseReason, ['AGENT', 'CONSUMER', 'TIMEOUT', 'SYSTEM']],
    ['DialogType', DialogType, ['MAIN', 'POST_SURVEY', 'OTHER']],
    ['ChannelType', ChannelType, ['MESSAGING', 'COBROWSE']],
    ['ParticipantState', ParticipantState, ['ACTIVE', 'SUGGESTED']],
    ['TtrType', TtrType, ['CUSTOM', 'NORMAL', 'PRIORITIZED', 'URGENT']],
    ['DelayType', DelayType, ['NIGHT', 'WEEKEND', 'HOLIDAY']],
    ['ClosedBy', ClosedBy, ['CONSUMER', 'AGENT', 'SYSTEM']],
  ] as const;

  it.each(enums)('%s knows its members and reports nothing for them', (_name, codec, members) => {
    expect([...codec.known].sort()).toEqual([...members].sort());
    const [ok, unknown] = collectUnknownValues(() => members.every((m) => isRight(codec.decode(m))));
    expect(ok).toBe(true);
    expect(unknown).toEqual([]);
  });

  it.each(enums)('%s accepts any other string, reporting it as unknown, and rejects non-strings', (name, codec, members) => {
    const first = members[0];
    const others = [first.toLowerCase(), `${first}_X`, ''];
    const [ok, unknown] = collectUnknownValues(() => others.every((v) => isRight(codec.decode(v))));
    expect(ok).toBe(true);
    expect(unknown).toEqual(others.map((value) => ({ enumName: name, value })));
    for (const bad of [0, null, undefined, [first], { [first]: null }]) expect(isLeft(codec.decode(bad))).toBe(true);
  });
});
