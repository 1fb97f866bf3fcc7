import type { MessagingEventBody } from '../protocol/index.js';
import { consumerClientProperties, RequestError, type EmulatorCore, type Originator } from './core.js';
import type { ConversationRecord } from './state.js';
import type { Consumer } from './types.js';

/**
 * The consumer side of a conversation, publishing through the same path as agents' requests, so
 * agents see consumer events exactly as they would see LivePerson's. Every method rejects (never
 * throws) when the conversation is closed or the emulator has stopped.
 *
 * @example
 * const consumer = consumerHandle(core, conv);
 * await consumer.send('hello'); // resolves with the sequence, e.g. 1
 */
export function consumerHandle(core: EmulatorCore, conv: ConversationRecord): Consumer {
  const originator: Originator = { id: conv.consumerId, pid: conv.consumerId, role: 'CONSUMER', clientProperties: consumerClientProperties };
  const attempt = <T>(action: () => T): Promise<T> => {
    try {
      if (core.closed) throw new RequestError('The emulator is closed');
      return Promise.resolve(action());
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  };
  const publish = (event: MessagingEventBody): Promise<number> => attempt(() => core.publish(conv, conv.convId, originator, event));
  return {
    convId: conv.convId,
    consumerId: conv.consumerId,
    received$: conv.received.asObservable(),
    send: (text) => publish({ type: 'ContentEvent', contentType: 'text/plain', message: text }),
    publish,
    type: async (chatState) => {
      await publish({ type: 'ChatStateEvent', chatState });
    },
    read: (sequences) => publish({ type: 'AcceptStatusEvent', status: 'READ', sequenceList: [...sequences] }),
    close: () => attempt(() => core.closeConversation(conv, 'CONSUMER', 'CONSUMER')),
  };
}
