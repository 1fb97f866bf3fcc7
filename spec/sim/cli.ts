/**
 * `npm run simulate`: the deterministic simulator from the command line.
 *   --seeds N     run N seeds (default 200) from --from (default 1), print counts and coverage
 *   --seed N      replay one seed; --trace prints its event log; --shrink shrinks it when it fails
 *   SIM_MUTATE=a,b turns on mutation canaries (deliberate bugs) to show the swarm can fail
 */
import { parseArgs } from 'node:util';
import { execSync } from 'node:child_process';
import { MUTATIONS, type Mutation } from '../../src/index';
import { drawWorld } from './world';
import { runWorld } from './run';
import { percentile, shrink, swarm } from './swarm';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { seeds: { type: 'string' }, from: { type: 'string' }, seed: { type: 'string' }, profile: { type: 'string' }, trace: { type: 'boolean' }, shrink: { type: 'boolean' }, json: { type: 'boolean' } },
  });
  const mutations = process.env['SIM_MUTATE']?.split(',').filter((m): m is Mutation => (MUTATIONS as readonly string[]).includes(m));
  const commit = (() => {
    try {
      return execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    } catch {
      return 'unknown';
    }
  })();
  const options = { ...(mutations ? { mutations } : {}), trace: values.trace ?? false };
  if (values.seed !== undefined) {
    const world = drawWorld(Number(values.seed), values.profile === 'v1' || values.profile === 'v2' ? values.profile : 'v3');
    const result = await runWorld(world, options);
    if (values.trace) console.log(result.trace.join('\n'));
    console.log(`seed ${world.seed} (commit ${commit}): ${world.conversations} conversations, ${world.steps.length} steps, faults [${world.faults.join(', ')}]`);
    console.log(result.violations.length === 0 ? 'ok' : `FAILED:\n  ${result.violations.join('\n  ')}`);
    if (result.violations.length > 0 && values.shrink) {
      const small = await shrink(world, options);
      console.log(`shrunk to ${small.steps.length} steps:\n  ${small.steps.map((s) => `${s.at} ${JSON.stringify(s.action)}`).join('\n  ')}`);
    }
    process.exitCode = result.violations.length === 0 ? 0 : 1;
    return;
  }
  const count = Number(values.seeds ?? 200);
  const from = Number(values.from ?? 1);
  const started = Date.now();
  const report = await swarm(from, count, options);
  const seconds = (Date.now() - started) / 1_000;
  if (values.json) {
    // For a spec that runs part of its swarm in this process, on the other core.
    const failures = report.failures.map((f) => `seed ${f.seed}: ${f.violations.slice(0, 3).join('; ')}`);
    console.log(JSON.stringify({ seeds: report.seeds, failures, coverage: [...report.coverage.keys()] }));
    return;
  }
  console.log(`commit ${commit}${mutations ? `, SIM_MUTATE=${mutations.join(',')}` : ''}: ${report.seeds} seeds from ${from} in ${seconds.toFixed(1)} s (${(report.seeds / seconds).toFixed(1)} seeds/s)`);
  console.log(`failed: ${report.failures.length}`);
  for (const f of report.failures.slice(0, 20)) console.log(`  seed ${f.seed}: ${f.violations.slice(0, 3).join('; ')}  (replay: npm run simulate -- --seed ${f.seed} --trace)`);
  const l = report.latencies;
  console.log(`latency after the last fault (virtual ms, ${l.length} messages): p50 ${percentile(l, 50)}, p99 ${percentile(l, 99)}, max ${l.length ? Math.max(...l) : NaN}`);
  console.log('faults met per connection phase:');
  for (const [pair, n] of [...report.coverage].sort()) console.log(`  ${pair.padEnd(32)} ${n}`);
  process.exitCode = report.failures.length === 0 ? 0 : 1;
}

void main();
