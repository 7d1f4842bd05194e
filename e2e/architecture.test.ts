// The house rules, drawn from the code's own imports (issue 12): no import cycles; services never
// reach up into the composition root, the hosts, the IPC layer or the lab; the lab uses a service
// folder only through its public index where it has one; and the production entry points do not
// load lab code except through a dynamic import taken in lab mode.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cycles, importEdges, listSources, type ImportEdge } from './fixtures/import-graph';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const files = listSources(ROOT, ['electron', 'shared', 'renderer', 'e2e']);
const edges = importEdges(ROOT, files);
const isTestCode = (f: string) => /\.test\.tsx?$/.test(f) || f.includes('/__fixtures__/') || f.startsWith('e2e/');
const show = (list: ImportEdge[]) => list.map((e) => `${e.from} -> ${e.to}`);

describe('import graph', () => {
  it('reads the code base (sanity: the graph is not empty)', () => {
    expect(files.length).toBeGreaterThan(200);
    expect(edges.some((e) => e.from === 'electron/app/core.ts' && e.to === 'electron/services/tor/tor-service.ts')).toBe(true);
  });

  it('finds a cycle when there is one (the checker itself)', () => {
    const fake: ImportEdge[] = [
      { from: 'a.ts', to: 'b.ts', dynamic: false },
      { from: 'b.ts', to: 'c.ts', dynamic: false },
      { from: 'c.ts', to: 'a.ts', dynamic: false },
      { from: 'c.ts', to: 'd.ts', dynamic: false },
    ];
    expect(cycles(fake)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it('has no import cycle', () => {
    expect(cycles(edges)).toEqual([]);
  });

  it('services import nothing from app/, host/, ipc/, cli/ or lab/', () => {
    const bad = edges.filter(
      (e) => e.from.startsWith('electron/services/') && !isTestCode(e.from) && /^electron\/(app|host|ipc|cli|lab)\//.test(e.to),
    );
    expect(show(bad)).toEqual([]);
  });

  it('the lab uses a service folder only through its index where the folder has one, and never its fixtures', () => {
    const bad = edges.filter((e) => {
      if (!e.from.startsWith('electron/lab/') || isTestCode(e.from) || !e.to.startsWith('electron/services/')) return false;
      if (e.to.includes('/__fixtures__/')) return true;
      const index = join(dirname(e.to), 'index.ts');
      return existsSync(join(ROOT, index)) && e.to !== index;
    });
    expect(show(bad)).toEqual([]);
  });

  it('the production entry points reach no lab code through run-time static imports', () => {
    const next = new Map<string, string[]>();
    for (const e of edges) if (!e.dynamic && !e.typeOnly) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
    for (const entry of ['electron/main.ts', 'electron/cli/start.ts']) {
      const seen = new Set<string>([entry]);
      const todo = [entry];
      while (todo.length) {
        for (const n of next.get(todo.pop()!) ?? []) {
          if (seen.has(n)) continue;
          seen.add(n);
          todo.push(n);
        }
      }
      expect([...seen].filter((f) => f.startsWith('electron/lab/')), entry).toEqual([]);
    }
  });
});
