import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join, dirname, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** A module graph: each file (relative to the root, `/`-separated) and the files it imports. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

const SOURCE = /\.(m?ts)$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return SOURCE.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

// Sources import siblings the ESM way (`./x.js`, `./dir/index.js`, `./platform.mjs`): map each
// specifier back to the file the compiler reads.
function resolveSpecifier(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  const candidates = [
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.mjs$/, '.mts'),
    base,
    `${base}.ts`,
    `${base}.mts`,
    join(base, 'index.ts'),
  ];
  return candidates.find((c) => SOURCE.test(c) && existsSync(c) && statSync(c).isFile());
}

/**
 * Every static `import`, `import type`, `export ... from` (and `import()`) between the source files
 * under `root`. Package imports are left out; a relative specifier that resolves to no file is
 * listed in `unresolved` (`file: 'specifier'`), so a typo cannot hide an edge.
 */
export function buildImportGraph(root: string): { graph: ImportGraph; unresolved: string[] } {
  const graph = new Map<string, string[]>();
  const unresolved: string[] = [];
  const key = (path: string) => relative(root, path).split(sep).join('/');
  for (const file of sourceFiles(root).sort()) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = new Set<string>();
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = resolveSpecifier(file, fileName);
      if (target) targets.add(key(target));
      else unresolved.push(`${key(file)}: '${fileName}'`);
    }
    graph.set(key(file), [...targets].sort());
  }
  return { graph, unresolved };
}

/**
 * Every elementary cycle of the graph (Johnson's algorithm), each written as the path it runs,
 * starting from its smallest file and ending where it began: `a.ts → b.ts → a.ts`. Stops after
 * `limit` cycles so a tangle cannot hang the spec.
 */
export function findCycles(graph: ImportGraph, limit = 1000): string[] {
  const nodes = [...graph.keys()].sort();
  const cycles: string[] = [];
  for (let s = 0; s < nodes.length && cycles.length < limit; s++) {
    // Only cycles whose smallest node is nodes[s]: each cycle is found once, from one start.
    const allowed = new Set(nodes.slice(s));
    const start = nodes[s]!;
    const blocked = new Set<string>();
    const blockedBy = new Map<string, Set<string>>();
    const stack: string[] = [];
    const unblock = (n: string): void => {
      blocked.delete(n);
      const waiting = blockedBy.get(n);
      blockedBy.delete(n);
      for (const w of waiting ?? []) if (blocked.has(w)) unblock(w);
    };
    const circuit = (v: string): boolean => {
      let found = false;
      stack.push(v);
      blocked.add(v);
      for (const w of graph.get(v) ?? []) {
        if (!allowed.has(w) || cycles.length >= limit) continue;
        if (w === start) {
          cycles.push([...stack, start].join(' → '));
          found = true;
        } else if (!blocked.has(w) && circuit(w)) {
          found = true;
        }
      }
      if (found) unblock(v);
      else for (const w of graph.get(v) ?? []) {
        if (!allowed.has(w)) continue;
        const set = blockedBy.get(w) ?? new Set<string>();
        set.add(v);
        blockedBy.set(w, set);
      }
      stack.pop();
      return found;
    };
    circuit(start);
  }
  return cycles;
}

/** The edges from files under one of `from` folders to files under one of `to` folders. */
export function importsBetween(graph: ImportGraph, from: readonly string[], to: readonly string[]): string[] {
  const under = (file: string, folders: readonly string[]) => folders.some((f) => file.startsWith(`${f}/`));
  return [...graph].flatMap(([file, targets]) =>
    under(file, from) ? targets.filter((t) => under(t, to)).map((t) => `${file} → ${t}`) : [],
  );
}
