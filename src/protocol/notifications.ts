import * as t from 'io-ts';
import type { DecodeError } from './errors.js';
import { ChangeType, struct, type UnknownValue } from './common.js';
import { ExConversationChangeNotificationBody, ExConversationResult } from './conversations.js';
import { EventRecord } from './messaging.js';
import { AgentStateNotificationBody, AgentStateResult, RoutingTask, RoutingTaskNotificationBody } from './routing.js';

/**
 * Codecs of every notification body the agent API sends (PROTOCOL.md §4), keyed by wire type.
 *
 * @example
 * notificationCodecs['.ams.ms.OnlineEventDistribution'].is(frame.body);
 */
export const notificationCodecs = {
  '.ams.routing.RoutingTaskNotification': RoutingTaskNotificationBody,
  '.ams.routing.AgentStateNotification': AgentStateNotificationBody,
  '.ams.aam.ExConversationChangeNotification': ExConversationChangeNotificationBody,
  '.ams.ms.OnlineEventDistribution': EventRecord,
  /** Deprecated by LivePerson; body shape unknown, kept as sent. */
  '.ams.routing.RingUpdated': t.unknown,
} as const;

/**
 * The notifications that carry many changes, with the codec of one change: when the body fails as a
 * whole, each change is decoded on its own, so one bad change costs only itself.
 *
 * @example
 * changeCodecs['.ams.routing.RoutingTaskNotification'].is(body.changes[0]);
 */
export const changeCodecs = {
  '.ams.routing.RoutingTaskNotification': t.type({ type: ChangeType, result: RoutingTask }),
  '.ams.routing.AgentStateNotification': t.type({ type: ChangeType, result: AgentStateResult }),
  '.ams.aam.ExConversationChangeNotification': t.type({ type: ChangeType, result: ExConversationResult }),
} as const;

/**
 * A body with changes, each still undecoded.
 *
 * @example
 * ChangesContainer.is({ changes: [1, 2] }); // true
 */
export const ChangesContainer = struct('ChangesContainer', { changes: t.UnknownArray }, { subscriptionId: t.string });

/**
 * What decoding found wrong in a delivered notification, without dropping it.
 *
 * @example
 * if (n.known && n.problems?.length) log.warn(n.problems[0]?.message);
 */
export interface DecodeIssues {
  /** Changes that failed to decode, one error each (naming the change's index); the others were delivered. */
  problems?: readonly DecodeError[];
  /** Enum values this version does not know, delivered as sent. */
  unknownValues?: readonly UnknownValue[];
}

/** A notification type this version decodes. */
export type NotificationType = keyof typeof notificationCodecs;

/** A decoded notification of a known type, its body typed by its `type`. */
export type KnownNotification = {
  [K in NotificationType]: { kind: 'notification'; known: true; type: K; body: t.TypeOf<(typeof notificationCodecs)[K]> } & DecodeIssues;
}[NotificationType];

/**
 * A notification whose type this version does not know. Passed through as sent, never an error,
 * so a new server feature cannot break a bot.
 *
 * @example
 * agent.notifications$.pipe(filter((n) => !n.known)).subscribe((n) => log.debug(n.type));
 */
export interface UnknownNotification {
  kind: 'notification';
  known: false;
  type: string;
  body: unknown;
}

/** Any notification. Narrow with `n.known && n.type === '...'`. */
export type Notification = KnownNotification | UnknownNotification;

/** A known routing notification. */
export type RoutingTaskNotification = Extract<KnownNotification, { type: '.ams.routing.RoutingTaskNotification' }>;
/** A known agent state notification. */
export type AgentStateNotification = Extract<KnownNotification, { type: '.ams.routing.AgentStateNotification' }>;
/** A known conversation change notification. */
export type ExConversationChangeNotification = Extract<KnownNotification, { type: '.ams.aam.ExConversationChangeNotification' }>;
/** A known messaging event notification. */
export type OnlineEventDistribution = Extract<KnownNotification, { type: '.ams.ms.OnlineEventDistribution' }>;

/**
 * Whether a wire type is one this version decodes.
 *
 * @example
 * isNotificationType('.ams.ms.OnlineEventDistribution'); // true
 */
export function isNotificationType(type: string): type is NotificationType {
  return Object.prototype.hasOwnProperty.call(notificationCodecs, type);
}
