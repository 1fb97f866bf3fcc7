import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { DecodeError } from '../../src/domain/errors.js';
import {
  decodeFrame,
  decodeWith,
  requestDefinitions,
  requestTypes,
  type Response,
  type RequestType,
  type ResponseBody,
} from '../../src/protocol/index.js';
import { CONSUMER_ID, eventRecord, LEGACY_ID, responseFrame } from './fixtures.js';

function decodeResponse(frame: Record<string, unknown>): Response {
  const r = decodeFrame(JSON.stringify(frame));
  if (isLeft(r)) throw new Error(`expected a response, got: ${r.left.message}`);
  if (r.right.kind !== 'resp') throw new Error('expected a response');
  return r.right;
}

const fileUrl = {
  relativePath: '/v1/AUTH_async-images/12345678/a1b2.png',
  queryParams: { temp_url_sig: 'f7a1c0de', temp_url_expires: '1700000600' },
};

/** A success body for every request, as the service answers it (PROTOCOL.md §3, last column). */
const validResponseBodies: { [K in RequestType]: ResponseBody<K> } = {
  '.GetClock': { currentTime: 1700000000000 },
  '.KeepAlive': 'OK',
  '.ams.routing.SetAgentState': 'Agent state updated successfully',
  '.ams.routing.SubscribeAgentsState': { subscriptionId: 'sub-state-1' },
  '.ams.routing.SubscribeRoutingTasks': { subscriptionId: 'sub-routing-1' },
  '.ams.routing.UpdateRoutingTaskSubscription': 'OK',
  '.ams.routing.UpdateRingState': 'Ring state updated successfully',
  '.ams.aam.SubscribeExConversations': { subscriptionId: 'sub-conv-1' },
  '.ams.aam.UnsubscribeExConversations': {},
  '.ams.aam.UpdateExConversationSubscription': undefined,
  '.ams.cm.UpdateConversationField': 'OK Agent added successfully',
  '.ams.ms.PublishEvent': { sequence: 9 },
  '.ams.ms.QueryMessages': [eventRecord, { ...eventRecord, sequence: 9, event: { type: 'AcceptStatusEvent', status: 'READ', sequenceList: [8] } }],
  '.ams.userprofile.GetUserProfile': {
    firstName: 'Ada',
    lastName: 'Lovelace',
    avatarUrl: 'https://example.com/a.png',
    backgndImgUri: '',
    description: '',
    privateData: { mobileNum: '+15550100', mail: 'ada@example.com' },
    authenticatedData: { lp_sdes: [{ type: 'ctmrinfo', info: { customerId: 'c-1' } }] },
    claims: { iss: 'https://idp.example.com', lp_sdes: [{ type: 'personal', personal: { firstname: 'Ada' } }] },
    acr: 'loa1',
  },
  '.ams.cm.AgentRequestConversation': { conversationId: 'proactive-conv-1' },
  '.ams.ms.GenerateURLForUploadFile': fileUrl,
  '.ams.ms.GenerateURLForDownloadFile': { ...fileUrl, queryParams: { temp_url_sig: 'a1', temp_url_expires: 1700000600 } },
  '.ams.ms.token.GenerateDownloadToken': { token: { type: 'SecureFormReadToken', readOtk: 'otk-1' } },
};

/** Bodies that break a response codec, and the field named. Requests whose response LivePerson leaves unspecified accept anything. */
const invalidResponseBodies: Partial<{ [K in RequestType]: readonly [unknown, string] }> = {
  '.GetClock': [{ currentTime: '1700000000000' }, 'body.currentTime'],
  '.ams.routing.SetAgentState': [202, 'body'],
  '.ams.routing.SubscribeAgentsState': [{ subscriptionId: 7 }, 'body.subscriptionId'],
  '.ams.routing.SubscribeRoutingTasks': [{ subScriptionId: false }, 'body.subScriptionId'],
  '.ams.routing.UpdateRingState': [true, 'body'],
  '.ams.aam.SubscribeExConversations': [{ subscriptionId: null }, 'body.subscriptionId'],
  '.ams.cm.UpdateConversationField': [['OK'], 'body'],
  '.ams.ms.PublishEvent': [{}, 'body.sequence'],
  '.ams.ms.QueryMessages': [[eventRecord, { ...eventRecord, dialogId: 5 }], 'body[1].dialogId'],
  '.ams.userprofile.GetUserProfile': [{ claims: { lp_sdes: [{ info: {} }] } }, 'body.claims.lp_sdes[0].type'],
  '.ams.cm.AgentRequestConversation': [{ convId: 'c' }, 'body.conversationId'],
  '.ams.ms.GenerateURLForUploadFile': [{ relativePath: '/p', queryParams: { temp_url_sig: 's' } }, 'body.queryParams.temp_url_expires'],
  '.ams.ms.GenerateURLForDownloadFile': [{ queryParams: fileUrl.queryParams }, 'body.relativePath'],
  '.ams.ms.token.GenerateDownloadToken': [{ token: { type: 'SecureFormReadToken' } }, 'body.token.readOtk'],
};

describe('response frames', () => {
  it('decode with a string reqId, keeping code, type and body', () => {
    const body = { currentTime: 1700000000000 };
    expect(decodeResponse(responseFrame('a1b2-c3', 200, '.GetClock$Response', body))).toEqual({
      kind: 'resp',
      reqId: 'a1b2-c3',
      code: 200,
      type: '.GetClock$Response',
      body,
    });
  });

  it('normalize a numeric reqId to a string', () => {
    expect(decodeResponse(responseFrame(42, 200, '.GetClock$Response', { currentTime: 1 })).reqId).toBe('42');
  });

  it('keep a 202 string body', () => {
    expect(decodeResponse(responseFrame('r', 202, '.ReqBody$StringResp', 'Ring state updated successfully'))).toMatchObject({
      code: 202,
      body: 'Ring state updated successfully',
    });
  });

  it('keep an array body (QueryMessages) as sent', () => {
    const body = [eventRecord, { ...eventRecord, sequence: 9 }];
    expect(decodeResponse(responseFrame('q', 200, '.ams.ms.QueryMessages$Response', body)).body).toEqual(body);
  });

  it('keep the body of an error response without judging its code', () => {
    const body = { message: 'Agent does not exist in conversation', extra: [1] };
    expect(decodeResponse(responseFrame('e', 400, '.ReqBody$StringResp', body))).toMatchObject({ code: 400, body });
  });

  it('decode without a type, giving an empty one', () => {
    expect(decodeResponse({ kind: 'resp', reqId: 'x', code: 200, body: 'OK' }).type).toBe('');
  });

  it.each([
    ['without a reqId', { kind: 'resp', code: 200, type: 't', body: {} }, 'reqId'],
    ['with an object reqId', { kind: 'resp', reqId: { id: 1 }, code: 200, type: 't', body: {} }, 'reqId'],
    ['without a code', { kind: 'resp', reqId: '1', type: 't', body: {} }, 'code'],
    ['with a string code', { kind: 'resp', reqId: '1', code: '200', type: 't', body: {} }, 'code'],
    ['with a non-string type', { kind: 'resp', reqId: '1', code: 200, type: 5, body: {} }, 'type'],
  ])('are refused as an envelope error when %s', (_name, frame, path) => {
    const r = decodeFrame(JSON.stringify(frame));
    expect(isLeft(r) && r.left).toMatchObject({ kind: 'DecodeError', reason: 'envelope', path });
  });
});

describe('response bodies decoded with decodeWith', () => {
  const all = requestTypes.map((type) => [type] as const);
  const invalid = requestTypes.flatMap((type) => {
    const bad = invalidResponseBodies[type];
    return bad ? [[type, bad[1], bad[0]] as const] : [];
  });

  it('has an invalid example for every response codec that constrains anything', () => {
    const unconstrained = requestTypes.filter((type) => !invalidResponseBodies[type]).sort();
    expect(unconstrained).toEqual(
      ['.KeepAlive', '.ams.aam.UnsubscribeExConversations', '.ams.aam.UpdateExConversationSubscription', '.ams.routing.UpdateRoutingTaskSubscription'].sort(),
    );
    for (const type of unconstrained) expect(isRight(requestDefinitions[type].response.decode(Symbol('anything')))).toBe(true);
  });

  it.each(all)('decodes a valid %s response body unchanged', (type) => {
    const { response, responseType } = requestDefinitions[type];
    const body: unknown = JSON.parse(JSON.stringify({ body: validResponseBodies[type] })).body;
    const r = decodeWith(response, body, responseType, 'body', 'req-1');
    expect(isRight(r) && r.right).toEqual(body);
  });

  it.each(invalid)('refuses a bad %s response body, naming %s', (type, path, body) => {
    const { response, responseType } = requestDefinitions[type];
    const r = decodeWith(response, body, responseType, 'body', 'req-9');
    if (isRight(r)) throw new Error('expected a failure');
    expect(r.left).toBeInstanceOf(DecodeError);
    expect(r.left).toMatchObject({ reason: 'schema', path, reqId: 'req-9', frameType: responseType });
    expect(r.left.message).toContain(`${responseType}: ${path} is not `);
  });

  it('accepts the documented subScriptionId typo', () => {
    const r = decodeWith(requestDefinitions['.ams.routing.SubscribeAgentsState'].response, { subScriptionId: 's-1' }, 'subscribe');
    expect(isRight(r) && r.right).toEqual({ subScriptionId: 's-1' });
  });

  it('accepts the own profile answered as {userId: legacyId}', () => {
    const r = decodeWith(requestDefinitions['.ams.userprofile.GetUserProfile'].response, { userId: LEGACY_ID }, 'profile');
    expect(isRight(r) && r.right).toEqual({ userId: LEGACY_ID });
  });

  it('accepts a consumer profile keeping fields it does not name', () => {
    const body = { firstName: 'Ada', userId: CONSUMER_ID, futureField: { x: 1 } };
    const r = decodeWith(requestDefinitions['.ams.userprofile.GetUserProfile'].response, body, 'profile');
    expect(isRight(r) && r.right).toEqual(body);
  });

  it('uses the root it is given in the path and defaults it to body', () => {
    const clock = requestDefinitions['.GetClock'].response;
    const withRoot = decodeWith(clock, {}, 'login', 'config');
    const withDefault = decodeWith(clock, {}, 'clock');
    expect(isLeft(withRoot) && withRoot.left.path).toBe('config.currentTime');
    expect(isLeft(withDefault) && withDefault.left.path).toBe('body.currentTime');
  });

  it.each([
    ['.GetClock', '.GetClock$Response'],
    ['.ams.routing.SetAgentState', '.ReqBody$StringResp'],
    ['.ams.routing.UpdateRingState', '.ReqBody$StringResp'],
    ['.ams.routing.SubscribeRoutingTasks', '.ams.GenericSubscribe$Response'],
    ['.ams.aam.SubscribeExConversations', '.ams.aam.SubscribeExConversations$Response'],
    ['.ams.ms.PublishEvent', '.ams.ms.PublishEvent$Response'],
    ['.ams.ms.QueryMessages', '.ams.ms.QueryMessages$Response'],
    ['.ams.userprofile.GetUserProfile', '.ams.userprofile.GetUserProfile$Response'],
  ] as const)('names the response type %s answers with as seen on the wire (%s)', (type, responseType) => {
    expect(requestDefinitions[type].responseType).toBe(responseType);
  });
});
