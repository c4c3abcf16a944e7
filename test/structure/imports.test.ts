import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Each module's relative imports and re-exports, type-only ones included, as module paths under src/. */
function importGraph(): Map<string, string[]> {
  const files = sourceFiles(SRC);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    const deps = [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)].map((m) => resolve(dirname(f), m[1]!.replace(/\.js$/, '.ts')));
    graph.set(f, deps.filter((d) => known.has(d)));
  }
  return graph;
}

/** Every cycle a depth-first walk meets, as module paths relative to src/. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 'open') found.push(stack.slice(stack.indexOf(m)).map((x) => relative(SRC, x)));
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of graph.keys()) if (!state.has(n)) visit(n);
  return found;
}

describe('the module structure (issue 17: structure)', () => {
  const graph = importGraph();
  const importsOf = (prefix: string) =>
    [...graph.entries()].filter(([f]) => relative(SRC, f).startsWith(prefix)).flatMap(([f, deps]) => deps.map((d) => [relative(SRC, f), relative(SRC, d)] as const));

  it('has no import cycle (runtime/config, metrics/config and runtime/env-mode were one)', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('nothing below src/cli/ imports from it: the run shell and the IO types are in src/runtime/', () => {
    const upward = [...graph.entries()]
      .filter(([f]) => !relative(SRC, f).startsWith('cli/'))
      .flatMap(([f, deps]) => deps.filter((d) => relative(SRC, d).startsWith('cli/')).map((d) => `${relative(SRC, f)} -> ${relative(SRC, d)}`));
    expect(upward).toEqual([]);
  });

  it('metrics import no command module (the pool report types are in src/pool/run-report.ts)', () => {
    expect(importsOf('metrics/').filter(([, d]) => d.startsWith('commands/'))).toEqual([]);
  });
});
