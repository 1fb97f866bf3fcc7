import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { filter, map, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { Agent } from '../../src/agent/index.js';
import type { Command } from '../../src/domain/index.js';
import { aContentEvent, aRing, contentEventFrame, createTestAgent, ringFrame } from '../../src/testing/index.js';

const root = join(__dirname, '..', '..');

function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('docs/testing.md', () => {
  it('shows the whole-bot spec verbatim', () => {
    const doc = readFileSync(join(root, 'docs/testing.md'), 'utf8');
    const spec = readFileSync(join(__dirname, 'bot.spec.ts'), 'utf8');
    expect(doc).toContain(spec.slice(spec.indexOf('// A whole bot')) + '```');
  });

  it('its failing-answer example runs', () => {
    const bot = (agent: Agent): Observable<Command> =>
      agent.rings$.pipe(
        filter((r) => r.ringState === 'WAITING'),
        map((r): Command => ({ type: '.ams.routing.UpdateRingState', body: { ringId: r.ringId, ringState: 'ACCEPTED' } })),
      );
    testScheduler().run(({ hot, expectObservable }) => {
      const agent = createTestAgent({
        rings$: hot('-r', { r: aRing() }),
        respond: (command) => (command.type === '.ams.routing.UpdateRingState' ? { code: 400, body: 'Ring expired' } : undefined),
      });
      agent.run(bot(agent));
      expectObservable(agent.results$.pipe(map((r) => r.ok))).toBe('-f', { f: false });
    });
  });

  it('its raw-frames example runs', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const agent = createTestAgent({ frames$: hot('-r-m', { r: ringFrame(), m: contentEventFrame({ text: 'hello' }) }) });
      expectObservable(agent.rings$).toBe('-r--', { r: aRing() });
      expectObservable(agent.messages$).toBe('---m', { m: aContentEvent({ text: 'hello' }) });
    });
  });
});
