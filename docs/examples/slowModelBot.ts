/**
 * A language-model-style bot (docs/async-bots.md): each answer takes a while, so it is written with
 * `respond`. The "model" is simulated (no network): it thinks for `thinkMs(text)` and answers.
 */
import { merge, timer, map, type Observable } from 'rxjs';
import { acceptWaitingRings, handoverToSkill, respond, type Agent, type Command, type Outcome } from 'lp-agent-rx';

/** The simulated model: an answer after some thinking. */
export function model(question: string, thinkMs: number): Observable<string> {
  return timer(thinkMs).pipe(map(() => `(model) about "${question}": here is what I know.`));
}

/** What the bot remembers per conversation (freed when it closes). */
interface Memory {
  asked: number;
}

/**
 * The whole bot: accept rings; answer each message with the model, one at a time per
 * conversation, typing while it thinks; after 8 s (or a failure) say sorry; hand over to the
 * `humans` skill when the consumer asks for a person, or after two failures in a row.
 */
export function slowModelBot(agent: Agent, options: { thinkMs: (text: string) => number; onOutcome?: (o: Outcome) => void }): Observable<Command> {
  const answers$ = respond<Memory>(agent, (m, ctx) => {
    ctx.state.asked += 1;
    return model(String(m.event.message), options.thinkMs(String(m.event.message)));
  }, {
    concurrency: 'queue',
    timeout: 8_000,
    fallback: 'Sorry, I could not think of an answer. Could you rephrase?',
    handover: handoverToSkill('humans', 'Let me get you a colleague.'),
    handoverWhen: { asksForHuman: true, failuresInARow: 2 },
    initialState: () => ({ asked: 0 }),
    ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
  });
  return merge(agent.rings$.pipe(acceptWaitingRings()), answers$);
}
