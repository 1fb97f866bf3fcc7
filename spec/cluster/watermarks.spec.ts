import { Watermarks } from '../../src/cluster/watermarks';
import type { MessagingEvent } from '../../src/index';

const event = (dialogId: string, sequence: number, from: 'CONSUMER' | 'ASSIGNED_AGENT', extra: Partial<MessagingEvent> = {}): MessagingEvent => ({
  type: 'ContentEvent',
  dialogId,
  convId: dialogId,
  sequence,
  originatorId: from === 'CONSUMER' ? 'consumer' : 'bot',
  role: from,
  isMe: from !== 'CONSUMER',
  source: 'live',
  event: { type: 'ContentEvent', contentType: 'text/plain', message: `#${sequence}` },
  ...extra,
}) as MessagingEvent;

describe('Watermarks', () => {
  it('holds a dialog just below its oldest open question, however far the dialog goes on', () => {
    const marks = new Watermarks();
    marks.delivered(event('d1', 1, 'CONSUMER'));
    marks.delivered(event('d1', 2, 'CONSUMER'));
    marks.delivered(event('d1', 3, 'ASSIGNED_AGENT'));
    expect(marks.snapshot()).toEqual({ d1: 0 });
    marks.settle({ dialogId: 'd1', sequence: 1 });
    expect(marks.snapshot()).toEqual({ d1: 1 });
    marks.settle({ dialogId: 'd1', sequence: 2 });
    expect(marks.snapshot()).toEqual({ d1: 3 });
  });

  it('starts from a restored checkpoint; history and its own messages are never open questions', () => {
    const marks = new Watermarks({ d1: 7 });
    expect(marks.snapshot()).toEqual({ d1: 7 });
    marks.delivered(event('d1', 8, 'CONSUMER', { history: true }));
    marks.delivered(event('d1', 9, 'ASSIGNED_AGENT'));
    expect(marks.snapshot()).toEqual({ d1: 9 });
  });

  it('is dirty only when something moved since the last take; a failed save makes it dirty again; a closed dialog is dropped', () => {
    const marks = new Watermarks({ d1: 2 });
    expect(marks.dirty).toBe(false);
    marks.delivered(event('d1', 3, 'ASSIGNED_AGENT'));
    expect(marks.dirty).toBe(true);
    expect(marks.take()).toEqual({ d1: 3 });
    expect(marks.dirty).toBe(false);
    marks.settle({ dialogId: 'd1', sequence: 99 });
    expect(marks.dirty).toBe(false);
    marks.unsaved();
    expect(marks.dirty).toBe(true);
    marks.forget('d1');
    expect(marks.take()).toEqual({});
  });

  it('drops restored dialogs never seen open in this run, and keeps those confirmed or active', () => {
    const marks = new Watermarks({ closedMeanwhile: 4, stillOpen: 6, active: 2 });
    marks.confirm('stillOpen');
    marks.delivered(event('active', 3, 'ASSIGNED_AGENT'));
    marks.dropUnconfirmed();
    expect(marks.snapshot()).toEqual({ stillOpen: 6, active: 3 });
    expect(marks.dirty).toBe(true);
  });
});
