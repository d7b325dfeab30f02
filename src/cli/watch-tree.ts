// Watching a directory tree for `--watch` (docs/cli/up.md, "Watch"): one inotify watch per
// directory (fs.watch, not recursive: Node's recursive mode would also walk into node_modules),
// the ignored directories never entered, a directory made later watched as it appears, symlinks
// never followed (a link out of the tree is not the tree). A file given instead of a directory
// is watched through its directory (editors replace a file by renaming another onto it).
import { lstatSync, readdirSync, statSync, watch, type FSWatcher } from 'fs';
import { basename, dirname, join, relative } from 'path';

/** More directories than this and the rest of the tree goes unwatched (said once). */
const MAX_DIRS = 4096;

export interface TreeWatch {
  close(): void;
}

export interface TreeWatchOptions {
  ignore: (rel: string, isDir: boolean) => boolean;
  /** A path (relative to the root) changed: made, written, removed or renamed. */
  onChange: (rel: string) => void;
  /** Said once: the tree is too big, or the kernel's inotify limit was reached. */
  warn: (text: string) => void;
}

export function watchTree(root: string, opts: TreeWatchOptions): TreeWatch {
  const watchers = new Map<string, FSWatcher>();
  let warned = false;
  const warnOnce = (text: string) => {
    if (!warned) opts.warn(text);
    warned = true;
  };
  let isFile = false;
  let missing = false;
  try {
    isFile = !statSync(root).isDirectory();
  } catch {
    missing = true; // not there yet: watched once it is, through its parent
  }
  if (isFile) {
    const name = basename(root);
    const w = watch(dirname(root), { persistent: true }, (_e, f) => {
      if (f === name) opts.onChange(name);
    });
    w.on('error', () => undefined);
    return { close: () => w.close() };
  }

  /** Drops the watches of DIR and below (removed, or replaced by another directory). */
  const drop = (dir: string) => {
    for (const [d, w] of watchers)
      if (d === dir || d.startsWith(`${dir}/`)) {
        w.close();
        watchers.delete(d);
      }
  };
  const add = (dir: string) => {
    if (watchers.has(dir)) return;
    if (watchers.size >= MAX_DIRS) return warnOnce(`watch: ${root} has more than ${MAX_DIRS} directories; the rest is not watched (add them to ${join(root, '.podrunignore')})`);
    let w: FSWatcher;
    try {
      w = watch(dir, { persistent: true }, (_e, f) => {
        if (!f) return;
        const path = join(dir, f.toString());
        const rel = relative(root, path);
        const isDir = isDirectory(path) && !lstatIsLink(path);
        if (opts.ignore(rel, isDir)) return;
        // an event for a watched directory: removed, renamed, or removed and made again (ext4
        // may give the new one the same inode): its watches are made afresh
        if (watchers.has(path)) drop(path);
        if (isDir) walk(path);
        opts.onChange(rel);
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EMFILE') warnOnce(`watch: the kernel's limit of inotify watches is reached (${code}); raise fs.inotify.max_user_watches or add directories to ${join(root, '.podrunignore')}`);
      return;
    }
    w.on('error', () => {
      w.close();
      watchers.delete(dir);
    });
    watchers.set(dir, w);
  };
  const walk = (dir: string) => {
    add(dir);
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue; // a symlink to a directory is not entered
      const path = join(dir, e.name);
      if (!opts.ignore(relative(root, path), true)) walk(path);
    }
  };
  let parent: FSWatcher | undefined;
  if (missing) {
    // its parent is watched until it appears (a folder a build makes, a hostPath DirectoryOrCreate)
    const name = basename(root);
    try {
      parent = watch(dirname(root), { persistent: true }, (_e, f) => {
        if (f?.toString() !== name || !isDirectory(root)) return;
        parent?.close();
        parent = undefined;
        walk(root);
        opts.onChange('.');
      });
      parent.on('error', () => undefined);
    } catch {
      warnOnce(`watch: ${root} is not there, nor its folder: not watched`);
    }
  } else walk(root);
  return {
    close() {
      parent?.close();
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // gone again, or not ours to read
  }
}

function lstatIsLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
