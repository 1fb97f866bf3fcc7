/**
 * node-agent-sdk's "closed" recipe (reconnect 35 times, first after 5 s, x1.25; new token on
 * 4401/4407) and its "error" 401 handling, in lp-agent-rx: configuration, not code.
 * See docs/migrating-from-node-agent-sdk.md.
 */
import { filter, firstValueFrom } from 'rxjs';
import { createAgent } from 'lp-agent-rx';

const agent = createAgent({
  accountId: process.env.LP_ACCOUNT ?? '',
  username: process.env.LP_USER ?? '',
  password: process.env.LP_PASS ?? '',
  csdsDomain: process.env.LP_CSDS,
  // The README's reconnectInterval / reconnectRatio / reconnectAttempts (these are the defaults).
  reconnect: { initialInterval: 5_000, ratio: 1.25, maxRetries: 35, jitter: 0.2, maxInterval: 120_000 },
});

// agent.on('closed', code => ...): every drop is a 'reconnecting' state with its close code; the
// agent logs in again first for 4401/4407/1011/1008, and reuses the token otherwise.
agent.connection$.subscribe((s) => console.log('connection', s.status, s.code ?? '', s.attempt ?? ''));

// agent.on('error', err => err.code === 401 && agent._reconnect()): nothing to do, the agent
// already re-logs in. Only a fatal AuthFailed (bad credentials) or exhausted retries end it.
agent.errors$.pipe(filter((e) => e.kind === 'AuthFailed' && e.fatal)).subscribe((e) => {
  console.error('giving up:', e.message);
  agent.dispose();
});
agent.connection$.pipe(filter((s) => s.status === 'closed')).subscribe(() => console.log('closed for good'));

firstValueFrom(agent.connect()).then(
  () => firstValueFrom(agent.subscribeRoutingTasks()), // replayed after every reconnect
  (e: Error) => console.error('could not connect:', e.message),
);
