import { concat, map, mergeMap, of, timer, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';
import type { Command } from '../domain/index.js';
import { chatState, type PublishEventCommand } from './commands.js';

/** Options of `typing`: how long to show the agent typing, and where the delays run. */
export interface TypingConfig {
  /**
   * How long the agent shows as typing before each reply goes out, in ms, or a function of the
   * reply (e.g. 40 ms per character). Default 0: COMPOSING, the reply and ACTIVE go out together.
   */
  delay?: number | ((reply: PublishEventCommand) => number);
  /**
   * Where the delays run. Default rxjs's `asyncScheduler` (virtual time inside `TestScheduler.run`).
   */
  scheduler?: SchedulerLike;
}

/** A message the consumer sees: text, file, form or structured content, not a private note. */
const isReply = (command: Command): command is PublishEventCommand =>
  command.type === '.ams.ms.PublishEvent' &&
  (command.body.event.type === 'ContentEvent' || command.body.event.type === 'RichContentEvent') &&
  command.body.messageAudience !== 'AGENTS_AND_MANAGERS';

/**
 * Wraps each reply in a stream of commands with typing indicators: a COMPOSING chat state in its
 * dialog, the reply (after `delay`), then ACTIVE.
 *
 * Put it last in a reply pipeline and the consumer sees "agent is typing..." before every
 * answer. Replies are the PublishEvent commands a consumer sees (content or structured content,
 * not `AGENTS_AND_MANAGERS` notes); every other command passes through unchanged and at once.
 * Replies are delayed independently, so replies to different dialogs do not wait for each other.
 *
 * ## Example
 * ```ts
 * import { map } from 'rxjs';
 * import { contentEvents, sendText, typing } from 'lp-agent-rx';
 *
 * agent.run(agent.messages$.pipe(
 *   contentEvents(),
 *   map((m) => sendText(m.dialogId, `You said: ${m.event.message}`)),
 *   typing({ delay: (reply) => 500 + 20 * JSON.stringify(reply.body.event).length }),
 * ));
 * ```
 *
 * @see {@link chatState}
 * @see {@link sendText}
 *
 * @param config - The typing time; see {@link TypingConfig}.
 * @return A function that returns an Observable of the commands, each reply between COMPOSING
 * and ACTIVE chat states of its dialog.
 */
export function typing(config: TypingConfig = {}): MonoTypeOperatorFunction<Command> {
  const { delay = 0, scheduler } = config;

  return mergeMap((command) => {
    if (!isReply(command)) return of(command);
    const { dialogId } = command.body;
    const ms = typeof delay === 'function' ? delay(command) : delay;
    const reply$ = ms > 0 ? timer(ms, scheduler).pipe(map((): Command => command)) : of(command);
    return concat(of(chatState(dialogId, 'COMPOSING')), reply$, of(chatState(dialogId, 'ACTIVE')));
  });
}
