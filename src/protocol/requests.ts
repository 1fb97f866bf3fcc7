import * as t from 'io-ts';
import { EmptyBody, StringResponse, SubscriptionResponse } from './common.js';
import {
  AgentRequestConversationBody,
  AgentRequestConversationResponse,
  SubscribeExConversationsBody,
  UnsubscribeExConversationsBody,
  UpdateConversationFieldBody,
  UpdateExConversationSubscriptionBody,
} from './conversations.js';
import {
  DownloadTokenResponse,
  FileUrlResponse,
  GenerateDownloadTokenBody,
  GenerateURLForDownloadFileBody,
  GenerateURLForUploadFileBody,
  PublishEventBody,
  PublishEventResponse,
  QueryMessagesBody,
  QueryMessagesResponse,
} from './messaging.js';
import { ClockResponse, GetUserProfileBody, UserProfile } from './profile.js';
import {
  SetAgentStateBody,
  SubscribeAgentsStateBody,
  SubscribeRoutingTasksBody,
  UpdateRingStateBody,
  UpdateRoutingTaskSubscriptionBody,
} from './routing.js';

/** What the protocol knows about one request type. */
export interface RequestDefinition<B extends t.Mixed, R extends t.Mixed> {
  /** Short names LivePerson's docs use for the same request. */
  readonly aliases: readonly string[];
  /** Codec of the request body. */
  readonly body: B;
  /** Codec of a successful response body. */
  readonly response: R;
  /** The response `type` the service puts on its answer. */
  readonly responseType: string;
}

function def<B extends t.Mixed, R extends t.Mixed>(
  aliases: readonly string[],
  body: B,
  response: R,
  responseType: string,
): RequestDefinition<B, R> {
  return { aliases, body, response, responseType };
}

const KeepAliveResponse = t.unknown;
const Unspecified = t.unknown;

/**
 * Every request of PROTOCOL.md §3, keyed by its fully-qualified type: the 16 of node-agent-sdk plus
 * QueryMessages and KeepAlive. Used by the agent to decode responses and by the emulator to decode
 * requests, so both ends share one definition.
 *
 * @example
 * requestDefinitions['.ams.routing.UpdateRingState'].body.is({ ringId: 'r', ringState: 'ACCEPTED' }); // true
 */
export const requestDefinitions = {
  '.GetClock': def(['GetClock'], EmptyBody, ClockResponse, '.GetClock$Response'),
  '.KeepAlive': def(['KeepAlive'], EmptyBody, KeepAliveResponse, '.KeepAlive$Response'),
  '.ams.routing.SetAgentState': def(['routing.SetAgentState'], SetAgentStateBody, StringResponse, '.ReqBody$StringResp'),
  '.ams.routing.SubscribeAgentsState': def(
    ['routing.SubscribeAgentsState'],
    SubscribeAgentsStateBody,
    SubscriptionResponse,
    '.ams.GenericSubscribe$Response',
  ),
  '.ams.routing.SubscribeRoutingTasks': def(
    ['routing.SubscribeRoutingTasks'],
    SubscribeRoutingTasksBody,
    SubscriptionResponse,
    '.ams.GenericSubscribe$Response',
  ),
  '.ams.routing.UpdateRoutingTaskSubscription': def(
    ['routing.UpdateRoutingTaskSubscription'],
    UpdateRoutingTaskSubscriptionBody,
    Unspecified,
    '.ReqBody$StringResp',
  ),
  '.ams.routing.UpdateRingState': def(['routing.UpdateRingState'], UpdateRingStateBody, StringResponse, '.ReqBody$StringResp'),
  '.ams.aam.SubscribeExConversations': def(
    ['cqm.SubscribeExConversations', 'aam.SubscribeExConversations'],
    SubscribeExConversationsBody,
    SubscriptionResponse,
    '.ams.aam.SubscribeExConversations$Response',
  ),
  '.ams.aam.UnsubscribeExConversations': def(
    ['cqm.UnsubscribeExConversations', 'aam.UnsubscribeExConversations'],
    UnsubscribeExConversationsBody,
    Unspecified,
    '.ReqBody$StringResp',
  ),
  '.ams.aam.UpdateExConversationSubscription': def(
    ['cqm.UpdateExConversationSubscription', 'aam.UpdateExConversationSubscription'],
    UpdateExConversationSubscriptionBody,
    Unspecified,
    '.ReqBody$StringResp',
  ),
  '.ams.cm.UpdateConversationField': def(['cm.UpdateConversationField'], UpdateConversationFieldBody, StringResponse, '.ReqBody$StringResp'),
  '.ams.ms.PublishEvent': def(['ms.PublishEvent'], PublishEventBody, PublishEventResponse, '.ams.ms.PublishEvent$Response'),
  '.ams.ms.QueryMessages': def(['ms.QueryMessages', 'ms.SubscribeMessagingEvents'], QueryMessagesBody, QueryMessagesResponse, '.ams.ms.QueryMessages$Response'),
  '.ams.userprofile.GetUserProfile': def(
    ['up.GetUserProfile', 'userprofile.GetUserProfile'],
    GetUserProfileBody,
    UserProfile,
    '.ams.userprofile.GetUserProfile$Response',
  ),
  '.ams.cm.AgentRequestConversation': def(
    ['cm.AgentRequestConversation'],
    AgentRequestConversationBody,
    AgentRequestConversationResponse,
    '.ams.cm.AgentRequestConversation$Response',
  ),
  '.ams.ms.GenerateURLForUploadFile': def(
    ['ms.GenerateURLForUploadFile'],
    GenerateURLForUploadFileBody,
    FileUrlResponse,
    '.ams.ms.GenerateURLForUploadFile$Response',
  ),
  '.ams.ms.GenerateURLForDownloadFile': def(
    ['ms.GenerateURLForDownloadFile'],
    GenerateURLForDownloadFileBody,
    FileUrlResponse,
    '.ams.ms.GenerateURLForDownloadFile$Response',
  ),
  '.ams.ms.token.GenerateDownloadToken': def(
    ['ms.token.GenerateDownloadToken'],
    GenerateDownloadTokenBody,
    DownloadTokenResponse,
    '.ams.ms.token.GenerateDownloadToken$Response',
  ),
} as const;

type Definitions = typeof requestDefinitions;

/** A fully-qualified request type, e.g. `.ams.routing.UpdateRingState`. */
export type RequestType = keyof Definitions;

/** The body type of a request. */
export type RequestBody<K extends RequestType> = t.TypeOf<Definitions[K]['body']>;

/** The success response body type of a request. */
export type ResponseBody<K extends RequestType> = t.TypeOf<Definitions[K]['response']>;

/** Every request type, long names only. */
export const requestTypes = Object.keys(requestDefinitions) as RequestType[];

const byName = new Map<string, RequestType>();
for (const type of requestTypes) {
  byName.set(type, type);
  for (const alias of requestDefinitions[type].aliases) byName.set(alias, type);
}

/**
 * Maps a request type as sent (long or short alias) to its fully-qualified name.
 *
 * @example
 * canonicalRequestType('ms.PublishEvent'); // '.ams.ms.PublishEvent'
 * canonicalRequestType('nope');            // undefined
 */
export function canonicalRequestType(type: string): RequestType | undefined {
  return byName.get(type);
}
