import { catchError, EMPTY, map, mergeMap, of, type Observable } from 'rxjs';
import { toAgentError, type AgentError } from '../domain/errors.js';
import type { Command, CommandBody } from '../domain/commands.js';
import type { MessagingEvent } from '../domain/types.js';
import type { RequestType, Response, ResponseBody, TypedObject } from '../protocol/index.js';
import type { CommandResult } from './types.js';

/**
 * The typed request methods of an `Agent`, each one line over `call`. Shared by the real agent and
 * `createTestAgent`, so both offer exactly the same methods.
 *
 * @example
 * class MyAgent extends CommandMethods { call(type, body) { ... } queryMessages(body) { ... } }
 */
export abstract class CommandMethods {
  /** Sends a typed request and decodes its response body. */
  abstract call<K extends RequestType>(type: K, body: CommandBody<K>, metadata?: TypedObject[]): Observable<ResponseBody<K>>;
  /** Queries a dialog's history. */
  abstract queryMessages(body: CommandBody<'.ams.ms.QueryMessages'>): Observable<MessagingEvent[]>;

  updateRingState(body: CommandBody<'.ams.routing.UpdateRingState'>) {
    return this.call('.ams.routing.UpdateRingState', body);
  }
  publishEvent(body: CommandBody<'.ams.ms.PublishEvent'>, metadata?: TypedObject[]) {
    return this.call('.ams.ms.PublishEvent', body, metadata);
  }
  setAgentState(body: CommandBody<'.ams.routing.SetAgentState'>) {
    return this.call('.ams.routing.SetAgentState', body);
  }
  subscribeExConversations(body: CommandBody<'.ams.aam.SubscribeExConversations'> = {}) {
    return this.call('.ams.aam.SubscribeExConversations', body);
  }
  unsubscribeExConversations(body: CommandBody<'.ams.aam.UnsubscribeExConversations'>) {
    return this.call('.ams.aam.UnsubscribeExConversations', body);
  }
  subscribeRoutingTasks(body: CommandBody<'.ams.routing.SubscribeRoutingTasks'> = {}) {
    return this.call('.ams.routing.SubscribeRoutingTasks', body);
  }
  updateRoutingTaskSubscription(body: CommandBody<'.ams.routing.UpdateRoutingTaskSubscription'>) {
    return this.call('.ams.routing.UpdateRoutingTaskSubscription', body);
  }
  subscribeAgentsState(body: CommandBody<'.ams.routing.SubscribeAgentsState'> = {}) {
    return this.call('.ams.routing.SubscribeAgentsState', body);
  }
  updateConversationField(body: CommandBody<'.ams.cm.UpdateConversationField'>) {
    return this.call('.ams.cm.UpdateConversationField', body);
  }
  getClock() {
    return this.call('.GetClock', {});
  }
  getUserProfile(consumerId: CommandBody<'.ams.userprofile.GetUserProfile'> = {}) {
    return this.call('.ams.userprofile.GetUserProfile', consumerId);
  }
  agentRequestConversation(body: CommandBody<'.ams.cm.AgentRequestConversation'>) {
    return this.call('.ams.cm.AgentRequestConversation', body);
  }
  generateURLForUploadFile(body: CommandBody<'.ams.ms.GenerateURLForUploadFile'>) {
    return this.call('.ams.ms.GenerateURLForUploadFile', body);
  }
  generateURLForDownloadFile(body: CommandBody<'.ams.ms.GenerateURLForDownloadFile'>) {
    return this.call('.ams.ms.GenerateURLForDownloadFile', body);
  }
  generateDownloadToken(body: CommandBody<'.ams.ms.token.GenerateDownloadToken'>) {
    return this.call('.ams.ms.token.GenerateDownloadToken', body);
  }
}

/**
 * What `agent.run` does with a stream of commands: executes each, turns every outcome into a
 * `CommandResult`, and reports failures through `report` (a failed command never stops the run; a
 * pipeline that errors ends, reported, never thrown). Shared by the real agent and the test agent.
 *
 * @example
 * commandResults(commands$, (c) => agent.execute(c), (e) => errors.next(e)).subscribe(results);
 */
export function commandResults(
  commands$: Observable<Command>,
  execute: (command: Command) => Observable<Response>,
  report: (error: AgentError) => void,
): Observable<CommandResult> {
  return commands$.pipe(
    mergeMap((command) =>
      execute(command).pipe(
        map((response): CommandResult => ({ ok: true, command, response })),
        catchError((e: unknown) => {
          const error = toAgentError(e);
          report(error);
          return of<CommandResult>({ ok: false, command, error });
        }),
      ),
    ),
    catchError((e: unknown) => {
      report(toAgentError(e));
      return EMPTY;
    }),
  );
}
