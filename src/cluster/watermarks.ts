import type { MessagingEvent } from '../domain/types.js';

/** Whether an event asks the bot something: a consumer's message that is not history. */
export const isQuestion = (event: MessagingEvent): boolean =>
  event.role === 'CONSUMER' && !event.isMe && event.history !== true && (event.type === 'ContentEvent' || event.type === 'RichContentEvent');

interface DialogMarks {
  /** The highest sequence delivered (or restored from a checkpoint). */
  highest: number;
  /** Questions delivered and not yet answered or settled. */
  readonly open: Set<number>;
}

/**
 * Per dialog, the checkpoint's watermark: the highest sequence below which every question was
 * answered (a reply keyed by it succeeded) or settled by the pipeline. An open question holds the
 * watermark just below it however far the dialog goes on, so a new owner sees it again.
 *
 * @example
 * const marks = new Watermarks({ d1: 3 });
 * marks.delivered(question);          // d1 #4 from the consumer
 * marks.snapshot();                   // { d1: 3 }: #4 is open
 * marks.settle({ dialogId: 'd1', sequence: 4 });
 * marks.snapshot();                   // { d1: 4 }
 */
export class Watermarks {
  private readonly dialogs = new Map<string, DialogMarks>();
  /** Restored dialogs not seen open in this run yet. */
  private readonly unconfirmed = new Set<string>();
  private changed = false;

  constructor(restored: Readonly<Record<string, number>> = {}) {
    for (const [dialogId, highest] of Object.entries(restored)) {
      this.dialogs.set(dialogId, { highest, open: new Set() });
      this.unconfirmed.add(dialogId);
    }
  }

  /** A dialog seen open in this run: a restored watermark of it is still needed. */
  confirm(dialogId: string): void {
    this.unconfirmed.delete(dialogId);
  }

  /**
   * Drops restored dialogs not seen open since the restore (they closed while no one held the bot
   * user), so checkpoints do not carry them from owner to owner for ever.
   */
  dropUnconfirmed(): void {
    for (const dialogId of this.unconfirmed) this.forget(dialogId);
    this.unconfirmed.clear();
  }

  /** An event delivered on `messages$`. */
  delivered(event: MessagingEvent): void {
    this.unconfirmed.delete(event.dialogId);
    const marks = this.marks(event.dialogId);
    if (event.sequence > marks.highest) {
      marks.highest = event.sequence;
      this.changed = true;
    }
    if (isQuestion(event)) marks.open.add(event.sequence);
  }

  /** A question answered (its reply succeeded) or settled without a reply. */
  settle(cause: { readonly dialogId: string; readonly sequence: number }): void {
    if (this.dialogs.get(cause.dialogId)?.open.delete(cause.sequence)) this.changed = true;
  }

  /** A dialog closed: nobody needs to resume it. */
  forget(dialogId: string): void {
    if (this.dialogs.delete(dialogId)) this.changed = true;
  }

  /** Whether anything moved since the last {@link take}. */
  get dirty(): boolean {
    return this.changed;
  }

  /** The watermarks now, and marks them saved. */
  take(): Record<string, number> {
    this.changed = false;
    return this.snapshot();
  }

  /** A save of what {@link take} gave failed: it is still to be saved. */
  unsaved(): void {
    this.changed = true;
  }

  /** The watermark of every dialog. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [dialogId, { highest, open }] of this.dialogs) {
      let mark = highest;
      for (const sequence of open) mark = Math.min(mark, sequence - 1);
      out[dialogId] = mark;
    }
    return out;
  }

  private marks(dialogId: string): DialogMarks {
    let marks = this.dialogs.get(dialogId);
    if (!marks) this.dialogs.set(dialogId, (marks = { highest: 0, open: new Set() }));
    return marks;
  }
}
