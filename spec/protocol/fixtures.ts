import type {
  AgentStateNotificationBody,
  ConversationField,
  EventRecord,
  ExConversationChangeNotificationBody,
  MessagingEventBody,
  NotificationType,
  RequestBody,
  RequestType,
  RoutingTaskNotificationBody,
} from '../../src/protocol/index.js';

// Wire payloads shaped after PROTOCOL.md §3–4 (node-agent-sdk, developer-center samples).

export const ACCOUNT = '12345678';
export const LEGACY_ID = `${ACCOUNT}.4411`;
export const AGENT_PID = '2d9c8a1e-8b0f-4a8e-9a57-0f3c8c7b1d21';
export const CONSUMER_ID = 'b7e4e7a0-6c2d-4a1c-8f0e-7d2b5c1e9a33';
export const CONV_ID = '4a5d3c2e-1b0f-4e8d-9c7b-6a5f4e3d2c1b';
export const POST_SURVEY_DIALOG_ID = 'ps-9f8e7d6c';
export const RING_ID = `${CONV_ID}_${ACCOUNT}_1700000000000`;

/** A valid raw body for every request of PROTOCOL.md §3, as a client puts it on the wire. */
export const validRequestBodies: { [K in RequestType]: RequestBody<K> } = {
  '.GetClock': {},
  '.KeepAlive': {},
  '.ams.routing.SetAgentState': { channels: ['MESSAGING'], agentUserId: LEGACY_ID, availability: 'ONLINE', description: 'shift' },
  '.ams.routing.SubscribeAgentsState': { brandId: ACCOUNT, agentId: LEGACY_ID, agentAvailability: '' },
  '.ams.routing.SubscribeRoutingTasks': { channelType: 'MESSAGING', agentId: LEGACY_ID, brandId: ACCOUNT, skillId: '77' },
  '.ams.routing.UpdateRoutingTaskSubscription': {
    subscriptionId: 'sub-routing-1',
    brandId: ACCOUNT,
    agentId: LEGACY_ID,
    skillId: '77',
    channelType: 'MESSAGING',
  },
  '.ams.routing.UpdateRingState': { ringId: RING_ID, ringState: 'ACCEPTED' },
  '.ams.aam.SubscribeExConversations': {
    convState: ['OPEN'],
    agentIds: [LEGACY_ID],
    minLastUpdatedTime: 1700000000000,
    brandId: ACCOUNT,
    maxETTR: 3600,
  },
  '.ams.aam.UnsubscribeExConversations': { subscriptionId: 'sub-conv-1' },
  '.ams.aam.UpdateExConversationSubscription': { subscriptionId: 'sub-conv-1', convState: ['OPEN', 'CLOSE'] },
  '.ams.cm.UpdateConversationField': {
    conversationId: CONV_ID,
    conversationField: [{ field: 'ParticipantsChange', type: 'ADD', role: 'ASSIGNED_AGENT', userId: LEGACY_ID }],
  },
  '.ams.ms.PublishEvent': {
    dialogId: CONV_ID,
    conversationId: CONV_ID,
    event: { type: 'ContentEvent', contentType: 'text/plain', message: 'Hello, how can I help?' },
    messageAudience: 'ALL',
  },
  '.ams.ms.QueryMessages': { dialogId: CONV_ID, newerThanSequence: 0, maxQuantity: 100 },
  '.ams.userprofile.GetUserProfile': CONSUMER_ID,
  '.ams.cm.AgentRequestConversation': {
    channelType: 'MESSAGING',
    consumerId: CONSUMER_ID,
    conversationContext: { type: 'ProactiveContext', originConversationId: CONV_ID },
  },
  '.ams.ms.GenerateURLForUploadFile': { fileSize: 52341, fileType: 'PNG' },
  '.ams.ms.GenerateURLForDownloadFile': { relativePath: '/v1/AUTH_async-images/12345678/a1b2.png' },
  '.ams.ms.token.GenerateDownloadToken': {
    downloadable: { type: 'SecureForm', dialogId: CONV_ID, submissionId: 'sub-55', invitationId: 'inv-44' },
  },
};

/** One representative invalid body per request type, the field it breaks, and what was expected there. */
export interface InvalidBody {
  readonly body: unknown;
  readonly path: string;
  readonly expected: RegExp;
}

export const invalidRequestBodies: { [K in RequestType]: InvalidBody } = {
  '.GetClock': { body: 'now', path: 'body', expected: /a valid EmptyBody/ },
  '.KeepAlive': { body: 42, path: 'body', expected: /a valid EmptyBody/ },
  '.ams.routing.SetAgentState': {
    body: { channels: ['MESSAGING'], agentUserId: LEGACY_ID, availability: 'LUNCH' },
    path: 'body.availability',
    expected: /one of "ONLINE" \| "OCCUPIED" \| "AWAY" \| "BACK_SOON" \| "OFFLINE"/,
  },
  '.ams.routing.SubscribeAgentsState': { body: { brandId: ACCOUNT, agentId: 4411 }, path: 'body.agentId', expected: /string/ },
  '.ams.routing.SubscribeRoutingTasks': {
    body: { channelType: 'MESSAGING', agentId: 4411, brandId: ACCOUNT },
    path: 'body.agentId',
    expected: /string/,
  },
  '.ams.routing.UpdateRoutingTaskSubscription': {
    body: { brandId: ACCOUNT, agentId: LEGACY_ID },
    path: 'body.subscriptionId',
    expected: /string/,
  },
  '.ams.routing.UpdateRingState': {
    body: { ringId: RING_ID, ringState: 'WAITING' },
    path: 'body.ringState',
    expected: /one of "ACCEPTED" \| "REJECTED"/,
  },
  '.ams.aam.SubscribeExConversations': {
    body: { convState: ['OPEN', 'PENDING'] },
    path: 'body.convState[1]',
    expected: /one of "OPEN" \| "CLOSE"/,
  },
  '.ams.aam.UnsubscribeExConversations': { body: {}, path: 'body.subscriptionId', expected: /string/ },
  '.ams.aam.UpdateExConversationSubscription': {
    body: { subscriptionId: 'sub-conv-1', maxETTR: 'soon' },
    path: 'body.maxETTR',
    expected: /number/,
  },
  '.ams.cm.UpdateConversationField': {
    body: { conversationId: CONV_ID, conversationField: [{ field: 'ParticipantsChange', type: 'KICK', role: 'ASSIGNED_AGENT' }] },
    path: 'body.conversationField[0].type',
    expected: /one of "ADD" \| "REMOVE" \| "SUGGEST" \| "UPDATE"/,
  },
  '.ams.ms.PublishEvent': {
    body: { dialogId: CONV_ID, event: { type: 'ChatStateEvent', chatState: 'TYPING' } },
    path: 'body.event.chatState',
    expected: /one of "ACTIVE" \| "INACTIVE" \| "GONE" \| "COMPOSING" \| "PAUSE" \| "BACKGROUND"/,
  },
  '.ams.ms.QueryMessages': { body: { dialogId: CONV_ID, newerThanSequence: '0' }, path: 'body.newerThanSequence', expected: /number/ },
  '.ams.userprofile.GetUserProfile': { body: { userId: 4411 }, path: 'body.userId', expected: /string/ },
  '.ams.cm.AgentRequestConversation': {
    body: { channelType: 'MESSAGING', consumerId: CONSUMER_ID, conversationContext: { originConversationId: CONV_ID } },
    path: 'body.conversationContext.type',
    expected: /string/,
  },
  '.ams.ms.GenerateURLForUploadFile': { body: { fileSize: 10, fileType: 'EXE' }, path: 'body.fileType', expected: /one of "JPG"/ },
  '.ams.ms.GenerateURLForDownloadFile': { body: { dialogId: CONV_ID }, path: 'body.relativePath', expected: /string/ },
  '.ams.ms.token.GenerateDownloadToken': {
    body: { downloadable: { type: 'Attachment', dialogId: CONV_ID, submissionId: 's', invitationId: 'i' } },
    path: 'body.downloadable.type',
    expected: /"SecureForm"/,
  },
};

/** Every `conversationField` item shape of PROTOCOL.md §3.1, named for the test titles. */
export const conversationFields: ReadonlyArray<readonly [string, ConversationField]> = [
  ['ParticipantsChange ADD', { field: 'ParticipantsChange', type: 'ADD', role: 'ASSIGNED_AGENT', userId: LEGACY_ID }],
  ['ParticipantsChange REMOVE', { field: 'ParticipantsChange', type: 'REMOVE', role: 'ASSIGNED_AGENT', userId: LEGACY_ID }],
  ['ParticipantsChange SUGGEST', { field: 'ParticipantsChange', type: 'SUGGEST', role: 'ASSIGNED_AGENT', userId: `${ACCOUNT}.5522` }],
  ['ParticipantsChange UPDATE', { field: 'ParticipantsChange', type: 'UPDATE', role: 'MANAGER' }],
  ['ParticipantsChange as READER', { field: 'ParticipantsChange', type: 'ADD', role: 'READER' }],
  ['ParticipantsChange as CONTROLLER', { field: 'ParticipantsChange', type: 'ADD', role: 'CONTROLLER' }],
  ['Skill', { field: 'Skill', type: 'UPDATE', skill: '1234567' }],
  ['ConversationStateField', { field: 'ConversationStateField', conversationState: 'CLOSE' }],
  ['DialogChange UPDATE', { field: 'DialogChange', type: 'UPDATE', dialog: { dialogId: CONV_ID, state: 'CLOSE', closedBy: 'AGENT' } }],
  [
    'DialogChange CREATE',
    { field: 'DialogChange', type: 'CREATE', dialogId: CONV_ID, dialog: { dialogId: POST_SURVEY_DIALOG_ID, dialogType: 'POST_SURVEY' } },
  ],
  ['TTRField', { field: 'TTRField', ttrType: 'PRIORITIZED', value: 600 }],
  ['DelayField', { field: 'DelayField', type: 'WEEKEND', tillWhen: 1700086400000 }],
  ['ManualETTR', { field: 'ManualETTR', time: 1700003600000 }],
  ['Note', { field: 'Note', note: 'VIP customer, handle with care' }],
  ['TopicField', { field: 'TopicField', topics: [{ topicName: 'billing', topicId: 't-1' }] }],
  ['CSATRate', { field: 'CSATRate', csatRate: 5, csatResolutionConfirmation: true, status: 'FILLED' }],
];

/** Every event shape of PROTOCOL.md §3.2. */
export const events: ReadonlyArray<readonly [string, MessagingEventBody]> = [
  ['text/plain', { type: 'ContentEvent', contentType: 'text/plain', message: 'hi there' }],
  [
    'text/plain with quick replies',
    {
      type: 'ContentEvent',
      contentType: 'text/plain',
      message: 'Pick one',
      quickReplies: { type: 'quickReplies', itemsPerRow: 8, replies: [{ type: 'button', title: 'Yes' }] },
    },
  ],
  [
    'hosted/file',
    {
      type: 'ContentEvent',
      contentType: 'hosted/file',
      message: { caption: 'receipt', relativePath: '/v1/AUTH_async-images/12345678/a1b2.png', fileType: 'PNG', preview: 'data:image/png;base64,iVBORw0K' },
    },
  ],
  [
    'forms/secure-invitation',
    { type: 'ContentEvent', contentType: 'forms/secure-invitation', message: { formId: 'form-1', invitationId: 'inv-44', title: 'Card details' } },
  ],
  ['forms/secure-submission', { type: 'ContentEvent', contentType: 'forms/secure-submission', message: { submissionId: 'sub-55', invitationId: 'inv-44' } }],
  [
    'RichContentEvent',
    {
      type: 'RichContentEvent',
      content: { type: 'vertical', elements: [{ type: 'text', text: 'Product' }, { type: 'button', title: 'Buy', click: { actions: [] } }] },
    },
  ],
  ...(['ACCEPT', 'READ', 'ACCESS', 'NACK', 'ACTION', 'VIEWED'] as const).map(
    (status): readonly [string, MessagingEventBody] => [`AcceptStatusEvent ${status}`, { type: 'AcceptStatusEvent', status, sequenceList: [3, 4] }],
  ),
  ...(['ACTIVE', 'INACTIVE', 'GONE', 'COMPOSING', 'PAUSE', 'BACKGROUND'] as const).map(
    (chatState): readonly [string, MessagingEventBody] => [`ChatStateEvent ${chatState}`, { type: 'ChatStateEvent', chatState }],
  ),
];

export const routingTaskBody: RoutingTaskNotificationBody = {
  subscriptionId: 'sub-routing-1',
  changes: [
    {
      type: 'UPSERT',
      result: {
        routingTaskId: 'rt-1',
        brandId: ACCOUNT,
        taskCompleted: false,
        conversationId: CONV_ID,
        consumerId: CONSUMER_ID,
        skillId: '77',
        ringsDetails: [
          {
            ringId: RING_ID,
            ringExpiration: 72000,
            ringExpirationTs: 1700000072000,
            ringState: 'WAITING',
            weight: 0,
            brandId: ACCOUNT,
            convId: CONV_ID,
            consumerId: CONSUMER_ID,
            skillId: '77',
          },
        ],
      },
    },
  ],
};

export const agentStateBody: AgentStateNotificationBody = {
  subscriptionId: 'sub-state-1',
  changes: [{ type: 'UPSERT', result: { agentUserId: LEGACY_ID, channels: ['MESSAGING'], availability: 'AWAY', description: 'break' } }],
};

const externalId = { type: 'ExternalId', id: 'ext-1' };

export const eventRecord: EventRecord = {
  sequence: 8,
  dialogId: CONV_ID,
  conversationId: CONV_ID,
  originatorId: LEGACY_ID,
  originatorPId: AGENT_PID,
  originatorClientProperties: { type: '.ClientProperties', ipAddress: '10.0.0.1', appId: 'webAsync', integration: 'BRAND_SDK', features: ['CO_BROWSE'] },
  originatorMetadata: { id: AGENT_PID, role: 'ASSIGNED_AGENT', clientProperties: { type: '.ClientProperties', ipAddress: '10.0.0.1' } },
  serverTimestamp: 1700000005000,
  event: { type: 'ContentEvent', contentType: 'text/plain', message: 'hello' },
  metadata: [externalId],
  messageAudience: 'ALL',
};

export const exConversationBody: ExConversationChangeNotificationBody = {
  subscriptionId: 'sub-conv-1',
  changes: [
    {
      type: 'UPSERT',
      result: {
        convId: CONV_ID,
        effectiveTTR: -1,
        lastUpdateTime: 1700000006000,
        numberOfunreadMessages: { [LEGACY_ID]: 0, [CONSUMER_ID]: 1 },
        lastContentEventNotification: eventRecord,
        conversationDetails: {
          convId: CONV_ID,
          skillId: '77',
          brandId: ACCOUNT,
          state: 'OPEN',
          stage: 'OPEN',
          closeReason: 'SYSTEM',
          startTs: 1700000000000,
          metaDataLastUpdateTs: 1700000006000,
          firstConversation: false,
          csatRate: 0,
          ttr: { ttrType: 'NORMAL', value: 3600 },
          note: '',
          groupId: '-1',
          context: { type: 'CustomContext', lang: 'en-US', clientProperties: { type: '.ClientProperties', appId: 'webAsync' }, visitorId: 'v-1' },
          conversationHandlerDetails: { accountId: ACCOUNT, skillId: '77' },
          participants: { CONSUMER: [CONSUMER_ID], ASSIGNED_AGENT: [LEGACY_ID], CONTROLLER: [`${ACCOUNT}.9`] },
          participantsPId: { CONSUMER: [CONSUMER_ID], ASSIGNED_AGENT: [AGENT_PID] },
          dialogs: [
            {
              dialogId: CONV_ID,
              dialogType: 'MAIN',
              channelType: 'MESSAGING',
              state: 'OPEN',
              creationTs: 1700000000000,
              metaDataLastUpdateTs: 1700000006000,
              metaData: { appInstallId: 'app-1' },
              participantsDetails: [
                { id: CONSUMER_ID, role: 'CONSUMER', state: 'ACTIVE' },
                { id: LEGACY_ID, role: 'ASSIGNED_AGENT', state: 'ACTIVE' },
                { id: `${ACCOUNT}.5522`, role: 'ASSIGNED_AGENT', state: 'SUGGESTED' },
              ],
            },
            {
              dialogId: POST_SURVEY_DIALOG_ID,
              dialogType: 'POST_SURVEY',
              channelType: 'MESSAGING',
              state: 'CLOSE',
              creationTs: 1699000000000,
              endTs: 1699000100000,
              closedBy: 'CONSUMER',
            },
          ],
        },
      },
    },
  ],
};

/** A valid body for every known notification type. */
export const validNotificationBodies: { [K in NotificationType]: unknown } = {
  '.ams.routing.RoutingTaskNotification': routingTaskBody,
  '.ams.routing.AgentStateNotification': agentStateBody,
  '.ams.aam.ExConversationChangeNotification': exConversationBody,
  '.ams.ms.OnlineEventDistribution': eventRecord,
  '.ams.routing.RingUpdated': { ringId: RING_ID, ringState: 'EXPIRED' },
};

export function notificationFrame(type: string, body: unknown): Record<string, unknown> {
  return { kind: 'notification', type, body };
}

export function requestFrame(type: string, body: unknown, id: string | number = 'req-1'): Record<string, unknown> {
  return { kind: 'req', id, type, body };
}

export function responseFrame(reqId: string | number, code: number, type: string, body: unknown): Record<string, unknown> {
  return { kind: 'resp', reqId, code, type, body };
}

/** A deep copy through JSON, as the value would be after a round trip on the wire. */
export function wire<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
