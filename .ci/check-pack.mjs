// Checks what `npm pack` would publish: the builds and the guides, no specs, no sources of the
// tests, nothing from the tool folders.
import { execFileSync } from 'node:child_process';

const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'], { encoding: 'utf8' }));
const files = pack.files.map((f) => f.path);
const problems = [];
const forbidden = files.filter((p) => /^spec\//.test(p) || /\.spec\.[cm]?[jt]s$/.test(p) || /(^|\/)node_modules\//.test(p) || /^\.(ci|tshy)\//.test(p));
if (forbidden.length > 0) problems.push(`must not be published: ${forbidden.slice(0, 10).join(', ')}`);
for (const required of ['README.md', 'docs/getting-started.md', 'docs/architecture.md', 'dist/esm/index.js', 'dist/esm/index.d.ts', 'dist/commonjs/index.js', 'dist/commonjs/index.d.ts', 'dist/browser/index.js', 'dist/commonjs/emulator/cli.js']) {
  if (!files.includes(required)) problems.push(`missing from the pack: ${required}`);
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`pack: ${files.length} files, no specs, guides and all three builds present`);
