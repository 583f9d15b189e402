// The boundaries of docs/ARCHITECTURE.md, checked on the sources: no import circle in src/ (type-only
// imports included), connector code never reaches into the simulator, and no comment sends a reader to
// a document the repository does not have.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');
const SRC = path.join(ROOT, 'src');
const SIMULATOR = path.join(ROOT, 'simulator');
const SIMULATOR_PACKAGE = 'incident-io-connector/simulator';
/** The CLI commands whose whole purpose is to run the simulator; they load it by its package name. */
const MAY_RUN_SIMULATOR = ['src/host/commands/demo.ts', 'src/host/commands/simulator.ts'];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

const rel = (file: string) => path.relative(ROOT, file).split(path.sep).join('/');

/** Every module specifier a file imports or re-exports, type-only ones and dynamic import() included. */
function specifiers(file: string): string[] {
  return ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
}

function resolveRelative(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  const candidates = [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')];
  return candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
}

/** Circles in an import graph: its strongly connected components of more than one module (Tarjan). */
function circles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

function importGraph(files: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = specifiers(file)
      .map((s) => resolveRelative(file, s))
      .filter((t): t is string => t !== undefined);
    graph.set(rel(file), targets.map(rel));
  }
  return graph;
}

describe('architecture', () => {
  const files = sourceFiles(SRC).filter((f) => !f.includes(`${path.sep}console${path.sep}ui${path.sep}`));

  it('has no import circle in src/', () => {
    expect(circles(importGraph(files))).toEqual([]);
  });

  it('finds a circle when there is one (the check itself)', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(circles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it('keeps connector code from importing the simulator', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(SRC)) {
      for (const spec of specifiers(file)) {
        const target = resolveRelative(file, spec);
        const intoSimulator =
          (target !== undefined && target.startsWith(SIMULATOR + path.sep)) ||
          spec.startsWith('simulator/') ||
          spec.includes('/simulator/src');
        const byPackage = spec === SIMULATOR_PACKAGE || spec.startsWith(`${SIMULATOR_PACKAGE}/`);
        if (intoSimulator || (byPackage && !MAY_RUN_SIMULATOR.includes(rel(file)))) {
          offenders.push(`${rel(file)} imports ${spec}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('keeps the simulator from importing connector code', () => {
    const offenders = sourceFiles(SIMULATOR).flatMap((file) =>
      specifiers(file)
        .filter((spec) => {
          const target = resolveRelative(file, spec);
          return (
            (target !== undefined && !target.startsWith(SIMULATOR + path.sep)) ||
            spec.startsWith('incident-io-connector')
          );
        })
        .map((spec) => `${rel(file)} imports ${spec}`)
    );
    expect(offenders).toEqual([]);
  });

  it('has no comment pointing at a document outside the repository', () => {
    // The notes the project was built from live outside the repository; a clone cannot follow them.
    const outside = /DESIGN\.md|DESIGN §|API-NOTES|LIVE-RULES|libraries\.md|peers\.md|\/work\/shared/;
    const dirs = ['src', 'simulator', 'test', 'scripts', 'bench', 'docs'].map((d) => path.join(ROOT, d));
    const texts = dirs
      .flatMap((d) => listFiles(d))
      .concat(['README.md', 'jest.config.js'].map((f) => path.join(ROOT, f)));
    const self = path.join(__dirname, 'architecture.test.ts');
    const hits: string[] = [];
    for (const file of texts.filter((f) => f !== self)) {
      fs.readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (outside.test(line)) hits.push(`${rel(file)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(hits).toEqual([]);
  });
});

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'fixtures' ? [] : listFiles(full);
    return /\.(ts|tsx|js|md|sh)$/.test(e.name) ? [full] : [];
  });
}
