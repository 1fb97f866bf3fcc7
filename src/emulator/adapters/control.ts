import { isLeft } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Observable } from 'rxjs';
import type { EmulatorCore } from '../engine/core.js';
import { readJson, sendJson, tooLarge } from './http.js';
import { consolePage } from './console/page.js';
import type { Consumer, ConversationSnapshot, Emulator } from '../types.js';

// Bodies of the control API, checked before anything is touched: bad input changes nothing.
const AddAgent = t.intersection([
  t.type({ username: t.string, password: t.string }),
  t.partial({ skills: t.array(t.string), nickname: t.string, accountId: t.string }),
]);
const OpenConsumer = t.partial({ skillId: t.string, accountId: t.string, firstName: t.string, lastName: t.string, email: t.string, phone: t.string });
const TypedObjects = t.array(t.UnknownRecord);
const Message = t.union([
  t.type({ text: t.string }),
  t.type({ quickReply: t.intersection([t.type({ title: t.string }), t.partial({ click: t.partial({ metadata: TypedObjects, actions: t.array(t.UnknownRecord) }) })]) }),
  t.type({ richContent: t.UnknownRecord }),
]);
const ChatStateBody = t.type({ chatState: t.keyof({ ACTIVE: null, INACTIVE: null, GONE: null, COMPOSING: null, PAUSE: null, BACKGROUND: null }) });
const ReadBody = t.type({ sequences: t.array(t.number) });
const DropBody = t.partial({ code: t.number });
const OnBody = t.partial({ on: t.boolean });
const RateLimitBody = t.intersection([t.type({ perSecond: t.number }), t.partial({ burst: t.number })]);
const TypeBody = t.type({ type: t.string });
const DelayBody = t.type({ type: t.string, ms: t.number });
const CountBody = t.partial({ count: t.number });
const RandomBody = t.intersection([
  t.type({ rate: t.number }),
  t.partial({ kinds: t.array(t.keyof({ dropResponse: null, delayResponse: null, dropConnection: null, duplicateEvent: null })) }),
]);
const KickBody = t.intersection([t.type({ username: t.string }), t.partial({ accountId: t.string })]);

/** A route's answer: a status and a JSON body. */
type Answer = readonly [status: number, body: unknown];

class BadRequest extends Error {}

const ok = (body: unknown = { ok: true }): Answer => [200, body];
const created = (body: unknown): Answer => [201, body];
const failure = (status: number, message: string): Answer => [status, { error: { message } }];

/** Checks a body against its codec; a 400 naming the first field that is wrong otherwise. */
function check<A>(codec: t.Decoder<unknown, A>, body: unknown, what: string): A {
  const decoded = codec.decode(body);
  if (isLeft(decoded)) {
    const first = decoded.left[0];
    // Keys of the members of an intersection or a union are their indices, not fields: skipped.
    const context = first?.context ?? [];
    const path = context
      .filter((c, i) => c.key !== '' && !(i > 0 && /^(IntersectionType|UnionType)$/.test(String((context[i - 1]?.type as { _tag?: string } | undefined)?._tag))))
      .map((c) => c.key)
      .join('.');
    throw new BadRequest(`${what}: ${path ? `field "${path}" is missing or of the wrong type` : 'expected a JSON object'}`);
  }
  return decoded.right;
}

const summary = (c: ConversationSnapshot) => ({
  convId: c.convId,
  accountId: c.accountId,
  consumerId: c.consumerId,
  skillId: c.skillId,
  state: c.state,
  ...(c.closeReason ? { closeReason: c.closeReason } : {}),
  participants: c.details.participants,
  dialogs: c.details.dialogs,
  events: c.events.length,
});

/**
 * The emulator's HTTP control API under `/emulator/` (docs/emulator.md lists every route) and the
 * web console at `/`, on the emulator's own port. Mirrors the in-process control API, so a bot in
 * any language can be tested: open conversations, write as the consumer, read what it saw, inject
 * faults. Bodies are JSON; a bad one is a 400 with `{ error: { message } }` and changes nothing.
 *
 * @example
 * const handle = createControlHandler(emulator, core);
 * http.createServer((req, res) => handle(req, res) || rest(req, res));
 *
 * @return A handler that answers the requests it owns and returns false for the others.
 */
export function createControlHandler(emulator: Emulator, core: EmulatorCore): (req: IncomingMessage, res: ServerResponse) => boolean {
  const conversation = (convId: string): Consumer => {
    if (!emulator.conversation(convId)) throw new NotFound(`no conversation ${convId}`);
    return emulator.consumerOf(convId);
  };

  const routes: Array<[method: string, path: RegExp, run: (match: string[], body: unknown, url: URL) => Answer | Promise<Answer>]> = [
    ['GET', /^\/emulator\/?$/, () => ok({ routes: routes.map(([m, p]) => `${m} ${p.source.replace(/\\\//g, '/').replace(/\^|\$|\/\?/g, '')}`) })],
    ['GET', /^\/emulator\/agents$/, () => ok(emulator.agents())],
    [
      'POST',
      /^\/emulator\/agents$/,
      (_, body) => {
        const options = check(AddAgent, body, 'POST /emulator/agents');
        if (options.accountId !== undefined && !emulator.accounts.includes(options.accountId)) return failure(400, `no account ${options.accountId}`);
        // A taken username is refused by the emulator itself: a 409 with its message.
        return created(emulator.addAgent(options));
      },
    ],
    ['GET', /^\/emulator\/conversations$/, () => ok(emulator.conversations().map(summary))],
    ['GET', /^\/emulator\/conversations\/([^/]+)$/, ([convId = '']) => {
      const snapshot = emulator.conversation(convId);
      return snapshot ? ok(snapshot) : failure(404, `no conversation ${convId}`);
    }],
    [
      'POST',
      /^\/emulator\/consumers$/,
      async (_, body) => {
        const options = check(OpenConsumer, body ?? {}, 'POST /emulator/consumers');
        if (options.accountId !== undefined && !emulator.accounts.includes(options.accountId)) return failure(400, `no account ${options.accountId}`);
        const consumer = await emulator.consumer(options);
        return created({ convId: consumer.convId, consumerId: consumer.consumerId });
      },
    ],
    [
      'POST',
      /^\/emulator\/consumers\/([^/]+)\/messages$/,
      async ([convId = ''], body) => {
        const message = check(Message, body, 'POST /emulator/consumers/{convId}/messages (one of text, quickReply, richContent)');
        const consumer = conversation(convId);
        const sequence =
          'text' in message
            ? await consumer.send(message.text)
            : 'quickReply' in message
              ? await consumer.clickQuickReply(message.quickReply as Parameters<Consumer['clickQuickReply']>[0])
              : await consumer.sendRichContent(message.richContent as Parameters<Consumer['sendRichContent']>[0]);
        return created({ sequence });
      },
    ],
    ['POST', /^\/emulator\/consumers\/([^/]+)\/chat-state$/, async ([convId = ''], body) => {
      const { chatState } = check(ChatStateBody, body, 'POST /emulator/consumers/{convId}/chat-state');
      await conversation(convId).type(chatState);
      return ok();
    }],
    ['POST', /^\/emulator\/consumers\/([^/]+)\/read$/, async ([convId = ''], body) => {
      const { sequences } = check(ReadBody, body, 'POST /emulator/consumers/{convId}/read');
      return created({ sequence: await conversation(convId).read(sequences) });
    }],
    ['POST', /^\/emulator\/consumers\/([^/]+)\/close$/, async ([convId = '']) => {
      await conversation(convId).close();
      return ok();
    }],
    ['GET', /^\/emulator\/consumers\/([^/]+)\/received$/, ([convId = '']) => {
      const seen: unknown[] = [];
      conversation(convId).received$.subscribe((r) => seen.push(r)).unsubscribe();
      return ok(seen);
    }],
    ['GET', /^\/emulator\/frames$/, (_, __, url) => {
      const username = url.searchParams.get('username');
      const type = url.searchParams.get('type');
      return ok(emulator.frames().filter((f) => (!username || f.username === username) && (!type || f.type.includes(type))));
    }],
    ['POST', /^\/emulator\/frames\/record$/, (_, body) => {
      emulator.recordFrames(check(OnBody, body ?? {}, 'POST /emulator/frames/record').on ?? true);
      return ok();
    }],
    ['POST', /^\/emulator\/faults\/drop$/, (_, body) => {
      const { code = 1006 } = check(DropBody, body ?? {}, 'POST /emulator/faults/drop');
      if (code !== 1006 && !(code >= 1000 && code <= 4999)) return failure(400, `POST /emulator/faults/drop: code ${code} is not a websocket close code`);
      emulator.dropConnections(code);
      return ok();
    }],
    ['POST', /^\/emulator\/faults\/expire-tokens$/, () => (emulator.expireTokens(), ok())],
    ['POST', /^\/emulator\/faults\/stop-answering$/, () => (emulator.faults.stopAnswering(), ok())],
    ['POST', /^\/emulator\/faults\/duplicate-events$/, () => (emulator.faults.duplicateEvents(), ok())],
    ['POST', /^\/emulator\/faults\/omit-last-content-event$/, () => (emulator.faults.omitLastContentEvent(), ok())],
    ['POST', /^\/emulator\/faults\/clear$/, () => (emulator.faults.clear(), ok())],
    ['POST', /^\/emulator\/faults\/reorder-events$/, (_, body) => (emulator.faults.reorderEvents(check(OnBody, body ?? {}, 'POST /emulator/faults/reorder-events').on ?? true), ok())],
    ['POST', /^\/emulator\/faults\/refresh-unauthorized$/, (_, body) => (emulator.faults.refreshUnauthorized(check(OnBody, body ?? {}, 'POST /emulator/faults/refresh-unauthorized').on ?? true), ok())],
    ['POST', /^\/emulator\/faults\/login-rate-limited$/, (_, body) => (emulator.faults.loginRateLimited(check(CountBody, body ?? {}, 'POST /emulator/faults/login-rate-limited').count ?? 1), ok())],
    ['POST', /^\/emulator\/faults\/rate-limit$/, (_, body) => {
      const { perSecond, burst } = check(RateLimitBody, body, 'POST /emulator/faults/rate-limit');
      if (!(perSecond > 0)) return failure(400, 'POST /emulator/faults/rate-limit: perSecond must be above 0');
      emulator.faults.rateLimit({ perSecond, ...(burst !== undefined ? { burst } : {}) });
      return ok();
    }],
    ['POST', /^\/emulator\/faults\/drop-responses$/, (_, body) => {
      const { type } = check(TypeBody, body, 'POST /emulator/faults/drop-responses');
      emulator.faults.dropResponses(type);
      return ok();
    }],
    ['POST', /^\/emulator\/faults\/delay-responses$/, (_, body) => {
      const { type, ms } = check(DelayBody, body, 'POST /emulator/faults/delay-responses');
      emulator.faults.delayResponses(type, ms);
      return ok();
    }],
    ['POST', /^\/emulator\/faults\/random$/, (_, body) => {
      const { rate, kinds } = check(RandomBody, body, 'POST /emulator/faults/random');
      if (!(rate >= 0 && rate <= 1)) return failure(400, 'POST /emulator/faults/random: rate must be within 0..1');
      emulator.faults.random({ rate, ...(kinds ? { kinds } : {}) });
      return ok();
    }],
    ['POST', /^\/emulator\/faults\/kick$/, (_, body) => {
      const { username, accountId } = check(KickBody, body, 'POST /emulator/faults/kick');
      if (!emulator.agents().some((a) => a.username === username && (accountId === undefined || a.accountId === accountId))) return failure(404, `no agent ${username}`);
      emulator.kick(username, accountId);
      return ok();
    }],
  ];

  const streams: Array<[RegExp, (match: string[]) => Observable<unknown>]> = [
    [/^\/emulator\/consumers\/([^/]+)\/received\/stream$/, ([convId = '']) => conversation(convId).received$],
    [/^\/emulator\/frames\/stream$/, () => emulator.frames$],
  ];

  const handle = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    for (const [path, open] of streams) {
      const match = path.exec(url.pathname);
      if (!match || req.method !== 'GET') continue;
      return stream(req, res, open(match.slice(1)));
    }
    const byPath = routes.filter(([, path]) => path.test(url.pathname));
    if (byPath.length === 0) return answer(res, failure(404, `no route ${req.method ?? ''} ${url.pathname}`));
    const route = byPath.find(([method]) => method === req.method);
    if (!route) return answer(res, failure(405, `${url.pathname} takes ${byPath.map(([m]) => m).join(', ')}`));
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    if (body === tooLarge) return answer(res, failure(413, 'request body too large'));
    if (req.method === 'POST' && body === undefined && (req.headers['content-length'] ?? '0') !== '0') return answer(res, failure(400, 'the body is not JSON'));
    const [, path, run] = route;
    answer(res, await run((path.exec(url.pathname) ?? []).slice(1), body, url));
  };

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/' && req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(consolePage());
      return true;
    }
    if (!url.pathname.startsWith('/emulator')) return false;
    handle(req, res, url).catch((e: unknown) => {
      const status = e instanceof BadRequest ? 400 : e instanceof NotFound ? 404 : core.closed ? 503 : 409;
      answer(res, failure(status, e instanceof Error ? e.message : String(e)));
    });
    return true;
  };
}

class NotFound extends Error {}

function answer(res: ServerResponse, [status, body]: Answer): void {
  if (!res.headersSent) sendJson(res, status, body);
}

/** Server-Sent Events: one `data:` line of JSON per value, until the client or the source goes. */
function stream(req: IncomingMessage, res: ServerResponse, source$: Observable<unknown>): void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
  res.write(': lp-emulator\n\n');
  const sub = source$.subscribe({
    next: (value) => res.write(`data: ${JSON.stringify(value)}\n\n`),
    complete: () => res.end(),
    error: () => res.end(),
  });
  req.on('close', () => sub.unsubscribe());
}
