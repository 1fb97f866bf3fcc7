import { Subject } from 'rxjs';
import type {
  Availability,
  ClientProperties,
  ClosedBy,
  CloseReason,
  KnownEventRecord,
  MessageAudience,
  MessagingEventBody,
  Role,
  TypedObject,
} from '../../protocol/index.js';
import type { FaultState } from './faults.js';
import { Hub } from './hub.js';
import { Router } from './routing.js';
import { mainDialog, type AgentRecord, type ConsumerRecord, type ConversationRecord, type DialogRecord, type EmulatorState } from './state.js';
import type { FrameRecord, ReceivedRequest, SessionEvent } from '../types.js';

/**
 * A request the server refuses: becomes a `{code, type: '.ReqBody$StringResp', body: message}`
 * response (or a rejected promise on the consumer side).
 *
 * @example
 * throw new RequestError('Agent does not exist in conversation');
 */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly code = 400,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

/**
 * Who publishes an event: legacy id (or consumer id), PId, role and client properties.
 *
 * @example
 * const me: Originator = { id: agent.legacyId, pid: agent.userPid, role: 'ASSIGNED_AGENT', clientProperties };
 */
export interface Originator {
  readonly id: string;
  readonly pid: string;
  readonly role: Role;
  readonly clientProperties: ClientProperties;
}

/**
 * Client properties of a simulated consumer (a web messaging visitor).
 *
 * @example
 * record.originatorClientProperties; // consumerClientProperties for consumer events
 */
export const consumerClientProperties: ClientProperties = {
  type: '.ClientProperties',
  appId: 'webAsync',
  ipAddress: '127.0.0.1',
  deviceFamily: 'DESKTOP',
  os: 'LINUX',
  integration: 'WEB_SDK',
  features: ['PHOTO_SHARING', 'CO_BROWSE', 'QUICK_REPLIES', 'MARKDOWN_HYPERLINKS', 'AUTO_MESSAGES', 'MULTI_DIALOG', 'FILE_SHARING', 'RICH_CONTENT'],
};

/**
 * Client properties of an agent that sent no `.ams.headers.ClientProperties` header.
 *
 * @example
 * const originator: Originator = { id, pid, role: 'ASSIGNED_AGENT', clientProperties: agentClientProperties };
 */
export const agentClientProperties: ClientProperties = {
  type: '.ClientProperties',
  ipAddress: '127.0.0.1',
  integration: 'BRAND_SDK',
  features: ['PHOTO_SHARING', 'QUICK_REPLIES', 'AUTO_MESSAGES', 'MULTI_DIALOG', 'FILE_SHARING', 'RICH_CONTENT'],
};

/**
 * The server's behaviour, shared by request handlers, simulated consumers and the control API:
 * conversations, participants, events and their fan-out. One per emulator.
 *
 * @example
 * const core = new EmulatorCore(state, { ringExpiration: 72_000 });
 * const conv = core.openConversation(state.addConsumer(), '-1'); // rings eligible agents
 * core.dispose();
 */
export class EmulatorCore {
  readonly faults: FaultState = { dropped: new Set(), omitLastContent: false, duplicateEvents: false };
  readonly hub: Hub;
  readonly router: Router;
  readonly requests = new Subject<ReceivedRequest>();
  /** Sessions opening and ending, per agent user. */
  readonly sessions = new Subject<SessionEvent>();
  /** Openings that found another session of the same user still live. */
  overlaps = 0;
  /** Websocket frames in and out, kept (the last 1 000) while recording is on. */
  readonly frames = { enabled: false, recent: [] as FrameRecord[], subject: new Subject<FrameRecord>(), next: 0 };

  /** Records one websocket frame (only called while recording). */
  recordFrame(agent: AgentRecord, direction: 'in' | 'out', text: string): void {
    const typed = /"type"\s*:\s*"([^"]+)"/.exec(text);
    const frame: FrameRecord = { id: ++this.frames.next, at: this.state.clock.now(), username: agent.username, accountId: agent.accountId, direction, type: typed?.[1] ?? '?', text };
    this.frames.recent.push(frame);
    if (this.frames.recent.length > 1_000) this.frames.recent.shift();
    this.frames.subject.next(frame);
  }

  /** A websocket of `agent` opened: counts an overlap when another of its sessions is live. */
  sessionStarted(agent: AgentRecord): void {
    const live = this.hub.socketsOfAgent(agent).length;
    if (live > 0) this.overlaps++;
    this.sessions.next({ type: 'open', username: agent.username, accountId: agent.accountId, live: live + 1, overlapped: live > 0, at: this.state.clock.now() });
  }

  /** A websocket of `agent` ended (closed, kicked or dropped). */
  sessionEnded(agent: AgentRecord): void {
    this.sessions.next({ type: 'close', username: agent.username, accountId: agent.accountId, live: Math.max(0, this.hub.socketsOfAgent(agent).length - 1), overlapped: false, at: this.state.clock.now() });
  }
  private disposed = false;

  /** Whether closing a MAIN dialog opens a POST_SURVEY dialog instead of closing the conversation. */
  readonly postSurvey: boolean;
  /** How long settled rings and fully closed conversations are kept, in ms. */
  readonly retention: number;
  /** Whether event records carry `conversationId` (LivePerson's samples never do). */
  readonly eventConversationId: boolean;

  constructor(
    readonly state: EmulatorState,
    options: { ringExpiration: number; postSurvey?: boolean; eventConversationId?: boolean; retention?: number },
  ) {
    this.postSurvey = options.postSurvey ?? false;
    this.eventConversationId = options.eventConversationId ?? false;
    this.hub = new Hub(this.faults, (id, accountId) => state.agentById(id, accountId), state.clock);
    this.retention = options.retention ?? 600_000;
    this.router = new Router(state, this.hub, options.ringExpiration, this.retention);
  }

  get closed(): boolean {
    return this.disposed;
  }

  /**
   * A consumer's new conversation in `accountId` (default the first account), announced to that
   * account's subscribers and routed to its eligible agents.
   */
  openConversation(consumer: ConsumerRecord, skillId: string, accountId = this.state.accountId): ConversationRecord {
    this.state.forgetClosed(this.retention);
    const conv = this.state.openConversation(
      consumer,
      skillId,
      {
      type: 'SharkContext',
      lang: 'en-US',
      clientProperties: { ...consumerClientProperties },
      visitorId: this.state.random.hex(22),
      sessionId: this.state.random.hex(22),
      interactionContextId: '1',
      },
      accountId,
    );
    this.changed(conv);
    this.router.route(conv);
    return conv;
  }

  /** An agent-initiated (proactive) conversation in the agent's account, the agent already assigned; no routing. */
  requestConversation(agent: AgentRecord, consumerId: string, context: Record<string, unknown> | undefined): ConversationRecord {
    const consumer = this.state.addConsumer({ consumerId });
    const conv = this.state.openConversation(consumer, '-1', context ?? { type: 'ProactiveContext' }, agent.accountId);
    this.join(conv, agent, 'ASSIGNED_AGENT');
    this.changed(conv);
    return conv;
  }

  setAgentState(agent: AgentRecord, availability: Availability, description: string | undefined): void {
    agent.availability = availability;
    agent.description = description;
    this.hub.notifyAgentState(agent);
    if (availability === 'ONLINE' || availability === 'OCCUPIED') this.router.ringWaiting(agent);
  }

  /**
   * Publishes an event in a dialog. Content and receipt events get the dialog's next sequence
   * (the first is 1) and are stored; chat states are not. Every agent participant's sockets get it,
   * the sender's included; the consumer gets what others sent, unless meant for agents only.
   */
  publish(
    conv: ConversationRecord,
    dialogId: string,
    originator: Originator,
    event: MessagingEventBody,
    extras: { metadata?: readonly TypedObject[]; audience?: MessageAudience } = {},
  ): number {
    const dialog = conv.dialogs.find((d) => d.dialogId === dialogId);
    if (!dialog) throw new RequestError(`Dialog ${dialogId} not found in conversation ${conv.convId}`);
    if (dialog.state !== 'OPEN') throw new RequestError(`Dialog ${dialogId} is closed`);
    const base: KnownEventRecord = {
      dialogId,
      ...(this.eventConversationId ? { conversationId: conv.convId } : {}),
      originatorId: originator.id,
      originatorPId: originator.pid,
      originatorClientProperties: { ...originator.clientProperties },
      originatorMetadata: { id: originator.pid, role: originator.role, clientProperties: { ...originator.clientProperties } },
      event,
    };
    if (extras.metadata) base.metadata = extras.metadata.map((m) => ({ ...m }));
    if (extras.audience) base.messageAudience = extras.audience;
    if (event.type === 'ChatStateEvent') {
      this.deliver(conv, base, originator);
      return 0;
    }
    dialog.lastSequence += 1;
    const record: KnownEventRecord = { sequence: dialog.lastSequence, ...base, serverTimestamp: this.state.clock.now() };
    dialog.events.push(record);
    this.deliver(conv, record, originator);
    if (event.type !== 'AcceptStatusEvent') {
      conv.lastContentEvent = record;
      this.changed(conv, { content: true });
    }
    return dialog.lastSequence;
  }

  /** Adds the agent (or changes its role); joining as ASSIGNED_AGENT completes the routing task. */
  join(conv: ConversationRecord, agent: AgentRecord, role: Role): void {
    if (conv.state === 'CLOSE') throw new RequestError(`Conversation ${conv.convId} is closed`);
    const assigned = conv.participants.find((p) => p.role === 'ASSIGNED_AGENT');
    if (role === 'ASSIGNED_AGENT' && assigned && assigned.id !== agent.legacyId) {
      throw new RequestError(`Conversation ${conv.convId} already has an assigned agent`);
    }
    const existing = conv.participants.find((p) => p.id === agent.legacyId);
    if (existing) existing.role = role;
    else conv.participants.push({ id: agent.legacyId, pid: agent.userPid, role });
    for (const d of conv.dialogs) d.suggested = d.suggested.filter((id) => id !== agent.legacyId);
    if (role === 'ASSIGNED_AGENT') this.router.assigned(conv, agent);
  }

  /** Removes a participant in a role (or the SUGGESTED transfer target, for ASSIGNED_AGENT). */
  leave(conv: ConversationRecord, legacyId: string, role: Role): void {
    const index = conv.participants.findIndex((p) => p.id === legacyId && p.role === role);
    if (index >= 0) {
      conv.participants.splice(index, 1);
      return;
    }
    const main = mainDialog(conv);
    if (role === 'ASSIGNED_AGENT' && main.suggested.includes(legacyId)) {
      main.suggested = main.suggested.filter((id) => id !== legacyId);
      return;
    }
    throw new RequestError(`Agent does not exist in conversation as ${role}`);
  }

  /** Closes the conversation and every open dialog; WAITING rings are cancelled. */
  closeConversation(conv: ConversationRecord, reason: CloseReason, closedBy: ClosedBy): void {
    if (conv.stage === 'CLOSE') throw new RequestError(`Conversation ${conv.convId} is already closed`);
    const ts = this.state.clock.now();
    for (const d of conv.dialogs) if (d.state === 'OPEN') this.endDialog(d, closedBy, undefined, ts);
    if (conv.state !== 'CLOSE') {
      conv.state = 'CLOSE';
      conv.closeReason = reason;
      conv.endTs = ts;
    }
    conv.stage = 'CLOSE';
    this.router.cancel(conv);
    this.changed(conv);
    this.state.conversationClosed(conv);
  }

  /**
   * Closes one dialog. Closing the MAIN dialog opens a POST_SURVEY dialog (its own id and
   * sequences) when `postSurvey` is on, else closes the conversation; closing the last open
   * dialog after MAIN (the survey) closes the conversation too, and announces it; otherwise
   * announcing the change is the caller's job (one notification per request).
   */
  closeDialog(conv: ConversationRecord, dialog: DialogRecord, closedBy: ClosedBy, cause: string | undefined): void {
    if (dialog.state === 'CLOSE') throw new RequestError(`Dialog ${dialog.dialogId} is already closed`);
    const ts = this.state.clock.now();
    this.endDialog(dialog, closedBy, cause, ts);
    const reason: CloseReason = closedBy === 'CONSUMER' ? 'CONSUMER' : closedBy === 'SYSTEM' ? 'SYSTEM' : 'AGENT';
    if (dialog.dialogType === 'MAIN' && this.postSurvey) {
      // As in LivePerson's frames: the conversation is CLOSE (with its reason) while its stage stays
      // OPEN until the survey ends; rings are over.
      conv.state = 'CLOSE';
      conv.closeReason = reason;
      conv.endTs = ts;
      this.router.cancel(conv);
      const survey = this.state.addDialog(conv, this.state.random.uuid(), 'POST_SURVEY', 'MESSAGING');
      survey.metaData = { surveyId: `survey-${conv.skillId}` };
    } else if (!conv.dialogs.some((d) => d.state === 'OPEN')) {
      this.closeConversation(conv, reason, closedBy);
    }
  }

  /**
   * The consumer authenticated: its participant id (and PId) becomes `consumerId`, announced as
   * a conversation change.
   */
  stepUp(conv: ConversationRecord, consumerId: string): string {
    if (conv.state === 'CLOSE') throw new RequestError(`Conversation ${conv.convId} is closed`);
    const previous = this.state.consumers.get(conv.consumerId);
    this.state.addConsumer({ ...(previous ? { firstName: previous.firstName, lastName: previous.lastName, email: previous.email, phone: previous.phone } : {}), consumerId });
    for (const p of conv.participants) {
      if (p.role === 'CONSUMER' && p.id === conv.consumerId) {
        p.id = consumerId;
        p.pid = consumerId;
      }
    }
    conv.consumerId = consumerId;
    this.changed(conv);
    return consumerId;
  }

  /** Stamps the change and tells ExConversation subscribers; content events touch only `lastUpdateTime`. */
  changed(conv: ConversationRecord, options: { content?: boolean } = {}): void {
    const ts = this.state.clock.tick();
    if (!options.content) conv.metaDataLastUpdateTs = ts;
    conv.lastUpdateTime = ts;
    this.hub.conversationChanged(conv);
  }

  /** Clears every timer and completes every stream. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.router.dispose();
    for (const conv of this.state.conversations.values()) conv.received.complete();
    this.requests.complete();
    this.sessions.complete();
    this.frames.subject.complete();
  }

  private endDialog(dialog: DialogRecord, closedBy: ClosedBy, cause: string | undefined, ts: number): void {
    dialog.state = 'CLOSE';
    dialog.endTs = ts;
    dialog.closedBy = closedBy;
    // LivePerson's closed dialogs carry a cause; the emulator names who closed it when the request did not.
    dialog.closedCause = cause ?? `Closed by ${String(closedBy).toLowerCase()}`;
    dialog.metaDataLastUpdateTs = this.state.clock.tick();
  }

  private deliver(conv: ConversationRecord, record: KnownEventRecord, originator: Originator): void {
    this.hub.distribute(conv, record);
    if (originator.role !== 'CONSUMER' && record.messageAudience !== 'AGENTS_AND_MANAGERS') conv.received.next(record);
  }
}
