import { isLeft, isRight, type Either } from 'fp-ts/lib/Either.js';
import { DecodeError } from '../../src/domain/errors.js';
import { DEFAULT_MAX_FRAME_LENGTH, decodeFrame, decodeRequest, decodeWith, requestDefinitions } from '../../src/protocol/index.js';
import { CONV_ID, exConversationBody, notificationFrame, RING_ID, routingTaskBody, wire } from './fixtures.js';

/** The error of a decode: its left, or the first problem of a notification delivered without a bad change. */
function problem<A>(r: Either<DecodeError, A>): DecodeError {
  if (isLeft(r)) return r.left;
  const problems = (r.right as { problems?: readonly DecodeError[] }).problems;
  if (!problems?.[0]) throw new Error('expected a DecodeError, got a clean value');
  return problems[0];
}

function failure<A>(r: Either<DecodeError, A>): DecodeError {
  if (isRight(r)) throw new Error('expected a DecodeError, got a value');
  return r.left;
}

describe('decodeFrame errors', () => {
  it.each([
    ['truncated JSON', '{"kind":"resp","reqId":"1"'],
    ['single quotes', "{'kind':'resp'}"],
    ['a trailing comma', '{"kind":"resp",}'],
    ['an empty frame', ''],
    ['plain text', 'hello'],
  ])('refuses %s as json', (_name, text) => {
    const err = failure(decodeFrame(text));
    expect(err).toBeInstanceOf(DecodeError);
    expect(err).toMatchObject({ kind: 'DecodeError', reason: 'json', path: undefined });
    expect(err.message).toMatch(/^frame is not valid JSON/);
  });

  it('reports where the JSON broke', () => {
    expect(failure(decodeFrame('{"kind":"resp",}')).message).toMatch(/at position \d+/);
  });

  it.each([
    ['a number', '42'],
    ['a string', '"notification"'],
    ['null', 'null'],
    ['an array', '[{"kind":"resp"}]'],
    ['an object without kind', '{"type":".ams.routing.RingUpdated","body":{}}'],
  ])('refuses %s as an envelope without kind', (_name, text) => {
    const err = failure(decodeFrame(text));
    expect(err).toMatchObject({ reason: 'envelope', path: 'kind' });
    expect(err.message).toBe('frame has no "kind" (expected "resp" or "notification")');
  });

  it('refuses a request frame (kind "req") as an envelope the client never receives', () => {
    const err = failure(decodeFrame('{"kind":"req","id":"1","type":"GetClock","body":{}}'));
    expect(err).toMatchObject({ reason: 'envelope', path: 'kind' });
    expect(err.message).toBe('frame kind "req" is not "resp" or "notification"');
  });

  it.each([
    ['an unknown string', '"event"', /^frame kind is not "resp" or "notification"$/],
    ['a number', '1', /kind of type number/],
    ['null', 'null', /kind of type null/],
    ['an object', '{"k":"resp"}', /kind of type object/],
  ])('refuses a kind that is %s as an envelope error', (_name, kind, message) => {
    const err = failure(decodeFrame(`{"kind":${kind},"type":"x","body":{}}`));
    expect(err).toMatchObject({ reason: 'envelope', path: 'kind' });
    expect(err.message).toMatch(message);
  });

  it('refuses a notification without a type as an envelope error', () => {
    expect(failure(decodeFrame('{"kind":"notification","body":{}}'))).toMatchObject({ reason: 'envelope', path: 'type' });
  });

  it('refuses a frame longer than maxFrameLength as oversize, without parsing it', () => {
    const text = JSON.stringify(notificationFrame('.ams.routing.RingUpdated', { pad: 'x'.repeat(50) }));
    const err = failure(decodeFrame(text, { maxFrameLength: 40 }));
    expect(err).toMatchObject({ reason: 'oversize', path: undefined });
    expect(err.message).toBe(`frame of ${text.length} characters exceeds the limit of 40`);
    expect(failure(decodeFrame('{'.repeat(41), { maxFrameLength: 40 })).reason).toBe('oversize');
  });

  it('accepts a frame exactly maxFrameLength long', () => {
    const text = JSON.stringify(notificationFrame('.ams.routing.RingUpdated', {}));
    expect(isRight(decodeFrame(text, { maxFrameLength: text.length }))).toBe(true);
    expect(failure(decodeFrame(text, { maxFrameLength: text.length - 1 })).reason).toBe('oversize');
  });

  it('caps frames at 8 Mi characters by default', () => {
    expect(DEFAULT_MAX_FRAME_LENGTH).toBe(8 * 1024 * 1024);
    const text = JSON.stringify(notificationFrame('.ams.future.Big', 'x'.repeat(DEFAULT_MAX_FRAME_LENGTH)));
    expect(failure(decodeFrame(text)).reason).toBe('oversize');
  });

  it('applies maxFrameLength to requests too', () => {
    const text = JSON.stringify({ kind: 'req', id: '1', type: 'GetClock', body: {} });
    expect(failure(decodeRequest(text, { maxFrameLength: 10 })).reason).toBe('oversize');
    expect(failure(decodeRequest('{"kind":"req",')).reason).toBe('json');
  });

  it('reports a change of a known notification that fails its codec as schema, with the path and type', () => {
    const body = wire(routingTaskBody);
    Object.assign(body.changes[0]?.result.ringsDetails[0] ?? {}, { ringId: 17 });
    const err = problem(decodeFrame(JSON.stringify(notificationFrame('.ams.routing.RoutingTaskNotification', body))));
    expect(err).toMatchObject({
      reason: 'schema',
      path: 'body.changes[0].result.ringsDetails[0].ringId',
      frameType: '.ams.routing.RoutingTaskNotification',
    });
    expect(err.message).toBe('.ams.routing.RoutingTaskNotification: body.changes[0].result.ringsDetails[0].ringId is not a valid string');
  });

  it('counts the other failing paths in the message', () => {
    const err = problem(decodeFrame(JSON.stringify(notificationFrame('.ams.routing.AgentStateNotification', { changes: [{ type: 1, result: {} }] }))));
    expect(err.message).toMatch(/\(and 1 other path\)$/);
  });

  it('refuses a known notification without a body as schema at body', () => {
    const err = failure(decodeFrame('{"kind":"notification","type":".ams.ms.OnlineEventDistribution"}'));
    expect(err).toMatchObject({ reason: 'schema', path: 'body' });
  });
});

describe('secret hygiene of DecodeError', () => {
  const SECRET = 'Bearer-SECRET-123';
  const PASSWORD = 'hunter2-PASSWORD-9';

  function expectNoSecret(err: DecodeError): void {
    for (const secret of [SECRET, PASSWORD, 'SECRET', 'PASSWORD']) {
      expect(err.message).not.toContain(secret);
      expect(err.path ?? '').not.toContain(secret);
      expect(JSON.stringify(err)).not.toContain(secret);
      expect(String(err)).not.toContain(secret);
      expect(err.stack ?? '').not.toContain(secret);
    }
  }

  it.each([
    ['a bare token', SECRET],
    ['a token as an unquoted value', `{"password": ${SECRET}}`],
    ['a token in a truncated frame', `{"kind":"resp","reqId":"1","code":200,"body":{"bearer":"${SECRET}"`],
    ['a password before a syntax error', `{"kind":"notification","type":"x","body":{"password":"${PASSWORD}",}}`],
    ['a token right at the error', `{"kind":"resp","body":"${SECRET}" "${PASSWORD}"}`],
  ])('malformed JSON holding %s does not leak it', (_name, text) => {
    const err = failure(decodeFrame(text));
    expect(err.reason).toBe('json');
    expectNoSecret(err);
    expectNoSecret(failure(decodeRequest(text)));
  });

  it('the engine itself would have leaked it (the check above is meaningful)', () => {
    expect(() => JSON.parse(`{"password": ${SECRET}}`)).toThrow(/Bearer-SEC/);
  });

  it('a secret as the value of a failing request field is not echoed', () => {
    const err = failure(decodeRequest(JSON.stringify({ kind: 'req', id: 'r1', type: 'routing.UpdateRingState', body: { ringId: RING_ID, ringState: SECRET } })));
    expect(err).toMatchObject({ reason: 'schema', path: 'body.ringState' });
    expectNoSecret(err);
  });

  it('a password in a failing nested field of a notification is not echoed', () => {
    const body = wire(exConversationBody);
    Object.assign(body.changes[0]?.result.conversationDetails.participants ?? {}, { ASSIGNED_AGENT: `password=${PASSWORD}` });
    const err = problem(decodeFrame(JSON.stringify(notificationFrame('.ams.aam.ExConversationChangeNotification', body))));
    expect(err).toMatchObject({ reason: 'schema', path: 'body.changes[0].result.conversationDetails.participants.ASSIGNED_AGENT' });
    expectNoSecret(err);
  });

  it('a secret in a ring of a routing notification is not echoed', () => {
    const body = { changes: [{ type: 'UPSERT', result: { conversationId: CONV_ID, ringsDetails: [{ ringId: RING_ID, ringState: [SECRET] }] } }] };
    expectNoSecret(problem(decodeFrame(JSON.stringify(notificationFrame('.ams.routing.RoutingTaskNotification', body)))));
  });

  it.each([
    ['code', { kind: 'resp', reqId: '1', code: SECRET, type: 't', body: {} }],
    ['reqId', { kind: 'resp', reqId: { bearer: SECRET }, code: 200, type: 't', body: {} }],
    ['kind', { kind: SECRET, reqId: '1', code: 200 }],
    ['type', { kind: 'notification', type: [SECRET], body: {} }],
  ])('a secret as the %s of an envelope is not echoed', (_field, frame) => {
    const err = failure(decodeFrame(JSON.stringify(frame)));
    expect(err.reason).toBe('envelope');
    expectNoSecret(err);
  });

  it('a secret in a request envelope field is not echoed', () => {
    const err = failure(decodeRequest(JSON.stringify({ kind: 'req', id: '1', type: 'GetClock', encodedMetadata: { password: PASSWORD } })));
    expect(err).toMatchObject({ reason: 'envelope', path: 'encodedMetadata' });
    expectNoSecret(err);
  });

  it('a secret in a response body failing decodeWith is not echoed', () => {
    const err = failure(
      decodeWith(requestDefinitions['.ams.ms.token.GenerateDownloadToken'].response, { token: { type: 'SecureFormReadToken', readOtk: { v: SECRET } } }, 'token'),
    );
    expect(err.path).toBe('body.token.readOtk');
    expectNoSecret(err);
  });
});
