import { Observable } from 'rxjs';
import type { KnownEventRecord, MessagingEventBody, TypedObject } from '../../protocol/index.js';
import { consumerClientProperties, RequestError, type EmulatorCore, type Originator } from './core.js';
import type { ConversationRecord } from './state.js';
import type { Consumer, QuickReply } from '../types.js';

/**
 * The consumer side of a conversation, publishing through the same path as agents' requests, so
 * agents see consumer events exactly as they would see LivePerson's. Events go to the newest open
 * dialog (the POST_SURVEY one once the MAIN dialog closed with `postSurvey`). Every method rejects
 * (never throws) when the conversation is closed or the emulator has stopped.
 *
 * @example
 * const consumer = consumerHandle(core, conv);
 * await consumer.send('hello'); // resolves with the sequence, e.g. 1
 */
export function consumerHandle(core: EmulatorCore, conv: ConversationRecord): Consumer {
  const originator = (): Originator => ({ id: conv.consumerId, pid: conv.consumerId, role: 'CONSUMER', clientProperties: consumerClientProperties });
  const attempt = <T>(action: () => T): Promise<T> => {
    try {
      if (core.closed) throw new RequestError('The emulator is closed');
      return Promise.resolve(action());
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  };
  const dialogId = (): string => [...conv.dialogs].reverse().find((d) => d.state === 'OPEN')?.dialogId ?? conv.convId;
  const publish = (event: MessagingEventBody, metadata?: readonly TypedObject[]): Promise<number> =>
    attempt(() => core.publish(conv, dialogId(), originator(), event, metadata ? { metadata } : {}));
  return {
    convId: conv.convId,
    get consumerId() {
      return conv.consumerId;
    },
    // The stored events the consumer sees, then live ones: one copy of each event (in the dialogs).
    received$: new Observable<KnownEventRecord>((subscriber) => {
      for (const d of conv.dialogs) {
        for (const e of d.events) if (e.originatorMetadata?.role !== 'CONSUMER' && e.messageAudience !== 'AGENTS_AND_MANAGERS') subscriber.next(e);
      }
      return conv.received.subscribe(subscriber);
    }),
    send: (text) => publish({ type: 'ContentEvent', contentType: 'text/plain', message: text }),
    publish: (event) => publish(event),
    sendRichContent: (content) => publish({ type: 'RichContentEvent', content }),
    clickQuickReply: (reply: QuickReply) => {
      const text = reply.click?.actions?.find((a) => a.type === 'publishText')?.text ?? reply.title;
      return publish({ type: 'ContentEvent', contentType: 'text/plain', message: text }, reply.click?.metadata);
    },
    type: async (chatState) => {
      await publish({ type: 'ChatStateEvent', chatState });
    },
    read: (sequences) => publish({ type: 'AcceptStatusEvent', status: 'READ', sequenceList: [...sequences] }),
    stepUp: (newConsumerId) => attempt(() => core.stepUp(conv, newConsumerId ?? core.state.random.uuid())),
    close: () => attempt(() => core.closeConversation(conv, 'CONSUMER', 'CONSUMER')),
  };
}
