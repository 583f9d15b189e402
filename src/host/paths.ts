// Every path a command will use, checked before any request is sent: a missing directory, a directory
// where a file belongs, a file that cannot be written, two options naming one file (dead letters fed
// back into the file they are read from) or a file that the command would overwrite inside its own
// output directory. Each is a config error (exit 2) naming the option and the path, instead of a
// stack trace, a truncated input or records replaced by state halfway through a run.
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, type FieldProblem } from '../errors';

export type PathUse =
  /** Read only: must exist and be a file (the input, a config file). */
  | 'read'
  /** Created or truncated: its directory must exist and be writable. */
  | 'write'
  /** Read when it exists, then replaced atomically (a state file): a file, in a writable directory. */
  | 'state'
  /** A directory the command creates if needed and writes `files` into. */
  | 'dir';

export interface PlannedPath {
  /** The option that named it, for the message ("--dead-letter"). */
  option: string;
  path: string;
  use: PathUse;
  /** For a directory: the names the command writes in it. */
  files?: string[];
}

/** Where a path points: the file's device and inode when it exists, else its resolved absolute path. */
interface Identity {
  option: string;
  shown: string;
  writes: boolean;
  dev?: number;
  ino?: number;
  resolved: string;
}

function statOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

function writable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The absolute path with symbolic links of its existing part resolved (so two spellings compare equal). */
function resolvePath(p: string): string {
  const abs = path.resolve(p);
  const missing: string[] = [];
  let dir = abs;
  for (;;) {
    try {
      return path.join(fs.realpathSync(dir), ...missing.reverse());
    } catch {
      const parent = path.dirname(dir);
      if (parent === dir) return abs;
      missing.push(path.basename(dir));
      dir = parent;
    }
  }
}

/** The problem with a directory that must hold a new file, if any. */
function directoryProblem(dir: string): string | undefined {
  const st = statOrUndefined(dir);
  if (!st) return `the directory ${dir} does not exist`;
  if (!st.isDirectory()) return `${dir} is not a directory`;
  if (!writable(dir)) return `the directory ${dir} is not writable`;
  return undefined;
}

/** `plannedDirs`: directories the command creates itself (a file may go in one that does not exist yet). */
function problemOf(p: PlannedPath, plannedDirs: string[]): string | undefined {
  const st = statOrUndefined(p.path);
  const dir = path.dirname(path.resolve(p.path));
  const inPlannedDir = plannedDirs.includes(resolvePath(dir));
  switch (p.use) {
    case 'read':
      if (!st) return 'does not exist';
      if (st.isDirectory()) return 'is a directory, not a file';
      try {
        fs.accessSync(p.path, fs.constants.R_OK);
      } catch {
        return 'cannot be read (permission denied)';
      }
      return undefined;
    case 'write':
    case 'state':
      if (st?.isDirectory()) return 'is a directory; name a file';
      if (st && !writable(p.path)) return 'is not writable';
      // A state file is replaced through a temporary file beside it, so its directory must be
      // writable even when the file exists.
      if (inPlannedDir) return undefined;
      if (!st || p.use === 'state') return directoryProblem(dir);
      return undefined;
    case 'dir': {
      if (st) {
        if (!st.isDirectory()) return 'exists and is not a directory';
        return writable(p.path) ? undefined : 'is not writable';
      }
      // Created with its missing parents: the nearest existing one must be a writable directory.
      let parent = dir;
      while (!statOrUndefined(parent) && path.dirname(parent) !== parent) parent = path.dirname(parent);
      return directoryProblem(parent);
    }
  }
}

function identityOf(p: PlannedPath): Identity {
  const st = statOrUndefined(p.path);
  return {
    option: p.option,
    shown: p.path,
    writes: p.use !== 'read',
    ...(st && !st.isDirectory() ? { dev: st.dev, ino: st.ino } : {}),
    resolved: resolvePath(p.path),
  };
}

/** stdin or stdout when it is a regular file (`< file`, `> file`): it takes part in the same checks. */
function descriptorIdentity(fd: 0 | 1): Identity | undefined {
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return undefined;
    const name = fd === 0 ? 'standard input' : 'standard output';
    return { option: name, shown: `(${name})`, writes: fd === 1, dev: st.dev, ino: st.ino, resolved: '' };
  } catch {
    return undefined;
  }
}

function sameFile(a: Identity, b: Identity): boolean {
  if (a.ino !== undefined && b.ino !== undefined) return a.dev === b.dev && a.ino === b.ino;
  return a.resolved !== '' && a.resolved === b.resolved;
}

/**
 * Throws one ConfigError listing every problem. `descriptors` adds stdin (when the command reads it)
 * and stdout (when it writes data there) if they are redirected to files.
 */
export function checkPaths(
  paths: PlannedPath[],
  descriptors: { stdin?: boolean; stdout?: boolean } = {}
): void {
  const problems: FieldProblem[] = [];
  // A file in a directory the command creates: that directory's own check speaks for it.
  const plannedDirs = paths.filter((p) => p.use === 'dir').map((p) => resolvePath(p.path));
  for (const p of paths) {
    const problem = problemOf(p, plannedDirs);
    if (problem) {
      const reason = problem.startsWith('the directory') ? `${p.path}: ${problem}` : `${p.path} ${problem}`;
      problems.push({ field: p.option, reason });
    }
  }
  const ids = paths.map(identityOf);
  if (descriptors.stdin) ids.push(...[descriptorIdentity(0)].filter((x): x is Identity => !!x));
  if (descriptors.stdout) ids.push(...[descriptorIdentity(1)].filter((x): x is Identity => !!x));
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      const [a, b] = [ids[i], ids[j]];
      if ((a.writes || b.writes) && sameFile(a, b)) {
        problems.push({
          field: b.option,
          reason: `${b.shown} is the same file as ${a.option} ${a.shown}: it would be overwritten while it is in use; name another file`,
        });
      }
    }
  }
  // A file of the command's own output directory named by another option would be overwritten by
  // (or would overwrite) the records written there.
  for (const d of paths.filter((p) => p.use === 'dir')) {
    const inside = new Set((d.files ?? []).map((f) => path.join(resolvePath(d.path), f)));
    for (const id of ids) {
      if (id.option === d.option || !inside.has(id.resolved)) continue;
      problems.push({
        field: id.option,
        reason: `${id.shown} is one of the files ${d.option} ${d.path} holds (${path.basename(id.resolved)}): name a file outside it, or another name`,
      });
    }
  }
  if (problems.length > 0) throw new ConfigError('the command', problems);
}
