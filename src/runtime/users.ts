// User and group names (runAsUser by name, image USER "app:staff") resolved against the image's
// own /etc/passwd and /etc/group, read from the topmost layer that has the file — never the host's.
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync } from 'fs';
import { join } from 'path';
import { PodrunError } from '../util/errors';

export interface ResolvedUser {
  uid: number;
  gid: number;
  groups: number[];
}

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}
export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || line.startsWith('#')) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!f[0] || !Number.isInteger(uid) || !Number.isInteger(gid)) continue;
    out.push({ name: f[0], uid, gid });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || line.startsWith('#')) continue;
    const gid = Number(f[2]);
    if (!f[0] || !Number.isInteger(gid)) continue;
    out.push({ name: f[0], gid, members: (f[3] ?? '').split(',').filter(Boolean) });
  }
  return out;
}

/**
 * The file `rel` (e.g. etc/passwd) from the topmost layer that has it, lowest-first `layers`.
 * A whiteout (overlay char device 0:0 or an OCI `.wh.` file) above hides lower copies. The file is
 * opened with O_NOFOLLOW and must be a regular file, so a symlink in an image cannot make podrun
 * read a host file.
 */
export function readImageFile(layers: readonly string[], rel: string): string | undefined {
  const slash = rel.lastIndexOf('/');
  const dir = rel.slice(0, slash + 1);
  const base = rel.slice(slash + 1);
  for (let i = layers.length - 1; i >= 0; i--) {
    const p = join(layers[i], rel);
    try {
      lstatSync(join(layers[i], dir, `.wh.${base}`));
      return undefined;
    } catch {
      /* no OCI whiteout */
    }
    let fd: number;
    try {
      const st = lstatSync(p);
      if (st.isCharacterDevice() && st.rdev === 0) return undefined; // overlay whiteout
      if (!st.isFile()) continue;
      fd = openSync(p, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch {
      continue;
    }
    try {
      if (!fstatSync(fd).isFile()) return undefined;
      return readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  }
  return undefined;
}

const isNum = (s: string) => /^\d+$/.test(s);

/**
 * uid/gid/supplementary groups for one container. Numeric ids need no passwd entry (as in
 * Docker); a name that the image does not define is an error naming the container and the image.
 */
export function resolveUser(
  user: { uid?: number; gid?: number; name?: string; group?: string; supplementalGroups?: number[] },
  layers: readonly string[],
  what: { pod: string; container: string; image: string },
): ResolvedUser {
  let passwd: PasswdEntry[] | undefined;
  let group: GroupEntry[] | undefined;
  const pw = () => (passwd ??= parsePasswd(readImageFile(layers, 'etc/passwd') ?? ''));
  const gr = () => (group ??= parseGroup(readImageFile(layers, 'etc/group') ?? ''));

  let uid = user.uid;
  let entry: PasswdEntry | undefined;
  if (uid === undefined && user.name !== undefined) {
    if (isNum(user.name)) uid = Number(user.name);
    else {
      entry = pw().find((e) => e.name === user.name);
      if (!entry)
        throw new PodrunError(
          `pod/${what.pod}: container ${what.container}: user "${user.name}" is not in the image's /etc/passwd (${what.image})`,
          'use a numeric securityContext.runAsUser, or an image that defines that user',
        );
      uid = entry.uid;
    }
  }
  uid ??= 0;
  entry ??= pw().find((e) => e.uid === uid);

  let gid = user.gid;
  if (gid === undefined && user.group !== undefined) {
    if (isNum(user.group)) gid = Number(user.group);
    else {
      const g = gr().find((e) => e.name === user.group);
      if (!g)
        throw new PodrunError(
          `pod/${what.pod}: container ${what.container}: group "${user.group}" is not in the image's /etc/group (${what.image})`,
          'use a numeric securityContext.runAsGroup, or an image that defines that group',
        );
      gid = g.gid;
    }
  }
  gid ??= entry?.gid ?? 0;
  const groups = entry ? gr().filter((g) => g.members.includes(entry!.name) && g.gid !== gid).map((g) => g.gid) : [];
  return { uid, gid, groups: [...new Set([...groups, ...(user.supplementalGroups ?? [])])] };
}
