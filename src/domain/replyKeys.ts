/** The message a reply answers: its dialog and sequence. */
export interface ReplyCause {
  readonly dialogId: string;
  readonly sequence: number;
}

const REPLY_KEY = /^reply:(.+):(\d+)(?:\/(\d+))?$/;

/**
 * The idempotency key of a reply to a message: `reply:<dialogId>:<sequence>`, and `/<part>` for
 * the second and later messages of one answer. Derived from what is answered, so a retry, or
 * another process that takes the bot user over, can tell from the dialog's history that the
 * message was already answered.
 *
 * @example
 * replyKey({ dialogId: 'd1', sequence: 4 });    // 'reply:d1:4'
 * replyKey({ dialogId: 'd1', sequence: 4 }, 2); // 'reply:d1:4/2'
 */
export function replyKey(cause: ReplyCause, part = 1): string {
  return part > 1 ? `reply:${cause.dialogId}:${cause.sequence}/${part}` : `reply:${cause.dialogId}:${cause.sequence}`;
}

/**
 * The message a reply key names, or `undefined` for any other key.
 *
 * @example
 * causeOfReplyKey('reply:d1:4/2'); // { dialogId: 'd1', sequence: 4 }
 * causeOfReplyKey('lp-agent-rx:1b2c'); // undefined
 */
export function causeOfReplyKey(key: string | undefined): ReplyCause | undefined {
  const match = key === undefined ? null : REPLY_KEY.exec(key);
  if (!match?.[1] || !match[2]) return undefined;
  return { dialogId: match[1], sequence: Number(match[2]) };
}
