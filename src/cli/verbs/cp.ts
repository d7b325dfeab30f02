// podrun cp SRC DEST: files and directories to and from a running container, with kubectl cp's
// file specs (`[NAMESPACE/]POD:PATH`), its tar in the container, its names and its errors
// (kubectl pkg/cmd/cp). Out of the container, the archive is the container's and is written
// safely (runtime/copy-extract.ts); into it, the local tree is walked by fds and never follows a
// symlink (images/layerdiff.ts), since a hostPath the container shares may be swapped under it.
import { NotFoundError, UsageError } from '../../util/errors';
import { parseArgs, str, type VerbSpec } from '../args';
import type { CliContext } from '../context';
import { writeErr } from '../output';
import { requireRoot } from '../root';
import { containerOption, namespaceFrom, namespaceOptions } from '../resources';

export const spec: VerbSpec = {
  name: 'cp',
  usage: 'podrun cp SRC DEST [-c CONTAINER] [-n NAMESPACE] [--no-preserve]   (one of them [NAMESPACE/]POD:PATH)',
  description:
    "Copy files and directories to and from a running container, as kubectl cp does: tar runs in the container, so its image needs tar. Out of a container, symlinks, devices and names outside DEST are skipped with a warning; permission bits are kept, not owners.",
  examples: [
    ['copy a local directory to /tmp/bar_dir in pod dev', 'podrun cp /tmp/foo_dir dev:/tmp/bar_dir'],
    ['copy a local file into the app container', 'podrun cp ./config.json dev:/etc/app/config.json -c app'],
    ['copy a file out of a pod in another namespace', 'podrun cp team/dev:/var/log/app.log ./app.log'],
  ],
  options: {
    ...namespaceOptions,
    ...containerOption,
    'no-preserve': { type: 'boolean', help: "in the container, do not keep the copied files' owners and permissions (tar --no-same-owner --no-same-permissions)" },
  },
  operands: ['copy-specs', 'copy-specs'],
};

/** One side of a copy: a local path, or a path in a pod (kubectl's `extractFileSpec`). */
export type FileSpec = { local: true; path: string } | { local: false; namespace?: string; pod: string; path: string };

const SPEC_FORMAT = 'filespec must match the canonical format: [[namespace/]pod:]file/path';

export function parseFileSpec(arg: string): FileSpec {
  const i = arg.indexOf(':');
  if (i === 0) throw new UsageError(SPEC_FORMAT, `usage: ${spec.usage}`);
  if (i < 0) return { local: true, path: arg };
  const pieces = arg.slice(0, i).split('/');
  const path = arg.slice(i + 1);
  if (pieces.length === 1) return { local: false, pod: pieces[0], path };
  if (pieces.length === 2 && pieces[0] && pieces[1]) return { local: false, namespace: pieces[0], pod: pieces[1], path };
  throw new UsageError(SPEC_FORMAT, `usage: ${spec.usage}`);
}

/** kubectl's prefix for a remote path: no leading or trailing slashes, cleaned, no leading `../` or `./` (stripPathShortcuts). */
export function remotePrefix(path: string): string {
  const { posix } = require('path') as typeof import('path');
  let p = posix.normalize(path.replace(/^\/+|\/+$/g, '') || '.');
  while (p.startsWith('../') || p.startsWith('./')) p = p.slice(p.indexOf('/') + 1);
  return p === '.' || p === '..' ? '' : p;
}

/** The local source: the open directory it is in, and its name there (copy-paths.ts: no container's symlink on the way); kubectl's error when it is not there. */
function localSource(path: string, roots: Map<string, string>): { dirFd: number; name: string; merge: boolean; display: string } {
  const { closeSync, lstatSync } = require('fs') as typeof import('fs');
  const { basename, dirname, resolve } = require('path') as typeof import('path');
  const { openDirSafely } = require('../../runtime/copy-paths') as typeof import('../../runtime/copy-paths');
  // `cp . pod:/dir`, `cp dir/. pod:/dir`: the directory's contents, merged into DEST (kubectl's filepath.Base(".") is ".")
  const merge = /(^|\/)\.\/*$/.test(path);
  const local = resolve(path);
  if (basename(local) === '') throw new UsageError('podrun cp cannot copy / itself', 'copy a directory below it');
  const missing = () => new NotFoundError(`${path} doesn't exist in local filesystem`, 'check the path (it is read from the directory podrun runs in)');
  let dir;
  try {
    dir = openDirSafely(dirname(local), roots, false);
  } catch (e) {
    if (e instanceof NotFoundError) throw missing();
    throw e;
  }
  try {
    lstatSync(`/proc/self/fd/${dir.fd}/${basename(local)}`);
  } catch {
    closeSync(dir.fd);
    throw missing();
  }
  return { dirFd: dir.fd, name: basename(local), merge, display: dir.display };
}

const END_GRACE_MS = 5_000; // a container's tar past the end of its archive: ended after this
const TEST_TIMEOUT_MS = 30_000; // kubectl's checkDestinationIsDir

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  if (positionals.length !== 2) throw new UsageError('source and destination are required', `usage: ${spec.usage}`);
  const [src, dest] = positionals.map(parseFileSpec);
  if (!src.local && !dest.local) throw new UsageError('one of src or dest must be a local file specification', 'copy through a local directory: podrun cp A:/x ./x && podrun cp ./x B:/x');
  if (!src.path || !dest.path) throw new UsageError('filepath can not be empty', `usage: ${spec.usage}`);
  if (src.local && dest.local) throw new UsageError('one of src or dest must be a remote file specification', 'name a pod as POD:PATH, e.g. podrun cp ./file dev:/tmp/file');
  requireRoot('cp', "it runs tar in the pod's namespaces");
  const { containerWritableRoots } = await import('../../runtime/copy-paths');
  const roots = containerWritableRoots(ctx.paths);
  const local = src.local ? localSource(src.path, roots) : undefined; // kubectl looks before it execs anything
  try {
    return await copyWith(values, ctx, src, dest, roots, local);
  } finally {
    if (local) (require('fs') as typeof import('fs')).closeSync(local.dirFd);
  }
}

async function copyWith(values: Record<string, unknown>, ctx: CliContext, src: FileSpec, dest: FileSpec, roots: Map<string, string>, local: ReturnType<typeof localSource> | undefined): Promise<number> {
  const remote = (src.local ? dest : src) as Extract<FileSpec, { local: false }>;
  const namespace = remote.namespace ?? namespaceFrom(values);
  const { findPod } = await import('../../state/pod-records');
  const { pickContainer, thawLeftOverFreeze } = await import('../../runtime/exec');
  const rec = findPod(ctx.paths, namespace, remote.pod);
  const { container, defaulted } = pickContainer(rec, str(values.container), true);
  if (defaulted) writeErr(defaulted + '\n');
  thawLeftOverFreeze(ctx.paths, rec, (m) => writeErr(`warning: ${m}\n`));
  const copy = await import('../../runtime/copy');
  const finish = async (started: import('../../runtime/copy').ContainerCommand, what: string, archiveEnded = false): Promise<number> => {
    const r = await started.finish(END_GRACE_MS);
    const missing = copy.noTarError(rec.plan.name, container.name, r);
    if (missing) throw missing;
    writeErr(copy.tarMessages(r.stderr));
    if (r.code === 0) return 0;
    // its archive was whole and written: a tar that then would not end is ended, as kubectl stops reading at the end
    if (r.ended && archiveEnded) {
      writeErr(`warning: tar in container "${container.name}" did not end after its archive did: podrun ended it\n`);
      return 0;
    }
    writeErr(`error: ${what}: tar in container "${container.name}" exited with code ${r.code}\n`);
    return 1;
  };

  if (!src.local) {
    // out of the container: `tar cf - SRC`, written under DEST by kubectl's rules, safely
    const { posix, resolve } = require('path') as typeof import('path');
    const { extractCopy } = await import('../../runtime/copy-extract');
    const started = copy.runInContainer(rec, container, ['tar', 'cf', '-', src.path], { stdin: false });
    const nsFlag = namespace === 'default' ? '' : `-n ${namespace} `;
    try {
      await extractCopy(started.child.stdout!, {
        prefix: remotePrefix(src.path),
        dest: resolve(dest.path),
        roots,
        intoDirAs: posix.basename(remotePrefix(src.path)),
        warn: (m) => writeErr(m + '\n'),
        symlinkHint: `consider using "podrun exec ${nsFlag}${rec.plan.name} -c ${container.name} -- tar cf - ${src.path} | tar xf -"`,
      });
    } catch (e) {
      // a stream cut short because tar failed: tar's own words say why
      if (e instanceof (await import('../../images/tar')).TarFormatError) {
        const code = await finish(started, `copying ${src.path} from pod/${rec.plan.name}`);
        if (code) return code;
      }
      await started.finish(0); // SIGTERM: the helper kills the command's group
      throw e;
    }
    started.child.stdout!.destroy(); // the archive has ended: what the command writes after it is not read
    return finish(started, `copying ${src.path} from pod/${rec.plan.name}`, true);
  }

  // into the container: kubectl's `test -d DEST` (then DEST/BASENAME), and `tar -xmf - -C DIR`
  const { posix } = require('path') as typeof import('path');
  const { name, dirFd, merge, display } = local!;
  let target = dest.path.length > 1 ? dest.path.replace(/\/+$/, '') || '/' : dest.path;
  const isDir = await copy.runInContainer(rec, container, ['test', '-d', target], { stdin: false }).finish(TEST_TIMEOUT_MS);
  if (isDir.code === 0 && !merge) target = posix.join(target, name);
  // a directory's contents merged into DEST (`cp . pod:/dir`): the archive's top entry is DEST itself
  const dir = merge && isDir.code === 0 ? target : posix.dirname(target);
  const as = merge && isDir.code === 0 ? '.' : posix.basename(target);
  const cmd = values['no-preserve'] ? ['tar', '--no-same-permissions', '--no-same-owner', '-xmf', '-'] : ['tar', '-xmf', '-'];
  const started = copy.runInContainer(rec, container, [...cmd, '-C', dir], { stdin: true });
  const { writeLayerTar } = await import('../../images/layerdiff');
  const stdin = started.child.stdin!;
  stdin.on('error', () => undefined); // tar gone early (a bad -C): its own message says why
  const { openSync, constants } = require('fs') as typeof import('fs');
  const walking = writeLayerTar(display, stdin, {
    dirFd: openSync(`/proc/self/fd/${dirFd}`, constants.O_RDONLY | constants.O_DIRECTORY), // its own: the walk closes it
    only: { name, as },
    purpose: { label: 'cp', doing: 'copying', changedHint: 'stop what changes it, then copy again', files: true },
  });
  try {
    await walking;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPIPE' && (e as NodeJS.ErrnoException).code !== 'ERR_STREAM_DESTROYED') {
      await started.finish(0);
      throw e;
    }
  }
  return finish(started, `copying ${src.path} to pod/${rec.plan.name}:${target}`);
}
