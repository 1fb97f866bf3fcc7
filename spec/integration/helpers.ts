import { firstValueFrom, filter, type Observable, timeout, take, toArray } from 'rxjs';
import type { Agent } from '../../src/index';
import type { Consumer, Emulator } from '../../src/emulator/index';

/** The first value matching `predicate`, failing the test after `ms` of waiting (a guard, not an assertion on time). */
export function next<T>(source$: Observable<T>, predicate: (v: T) => boolean = () => true, ms = 5_000): Promise<T> {
  return firstValueFrom(source$.pipe(filter(predicate), timeout({ first: ms })));
}

/** The first `n` values matching `predicate`. */
export function collect<T>(source$: Observable<T>, n: number, predicate: (v: T) => boolean = () => true, ms = 5_000): Promise<T[]> {
  return firstValueFrom(source$.pipe(filter(predicate), take(n), toArray(), timeout({ first: ms })));
}

/** Node's live handles by kind, to prove nothing is left behind. */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

/**
 * Connects an agent, goes ONLINE with its routing and conversation subscriptions, opens a
 * consumer's conversation and accepts its ring: the usual start of a conversation spec.
 */
export async function acceptedConversation(agent: Agent, emulator: Emulator, skillId = '-1'): Promise<{ consumer: Consumer; ringId: string }> {
  await firstValueFrom(agent.connect());
  await firstValueFrom(agent.subscribeRoutingTasks());
  await firstValueFrom(agent.setAgentState({ availability: 'ONLINE' }));
  await firstValueFrom(agent.subscribeExConversations({ convState: ['OPEN'], agentIds: [agent.identity?.legacyId ?? ''] }));
  const ring$ = next(agent.rings$, (r) => r.ringState === 'WAITING');
  const consumer = await emulator.consumer({ skillId });
  const { ringId } = await ring$;
  await firstValueFrom(agent.updateRingState({ ringId, ringState: 'ACCEPTED' }));
  return { consumer, ringId };
}
