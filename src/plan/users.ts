// Which uid, gid and supplementary groups a container runs as: the securityContext over the
// image's USER, with names looked up in the image's own /etc/passwd and /etc/group (the host's
// are never consulted). Numeric ids need no entry, as in Docker.
import type { ImageAccounts, PlannedUser } from './types';

/** What the manifest and the image ask for, before names are looked up. */
export interface UserRequest {
  uid?: number;
  gid?: number;
  name?: string;
  group?: string;
  supplementalGroups?: number[];
  /** false: not the groups the image's /etc/group makes the user a member of (supplementalGroupsPolicy Strict). */
  imageGroups?: boolean;
}

export function parsePasswd(text: string): ImageAccounts['passwd'] {
  const out: ImageAccounts['passwd'] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || line.startsWith('#')) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!f[0] || !/^\d+$/.test(f[2]) || !/^\d+$/.test(f[3])) continue;
    out.push({ name: f[0], uid, gid });
  }
  return out;
}

export function parseGroup(text: string): ImageAccounts['group'] {
  const out: ImageAccounts['group'] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || line.startsWith('#')) continue;
    if (!f[0] || !/^\d+$/.test(f[2])) continue;
    out.push({ name: f[0], gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) });
  }
  return out;
}

/** The OCI `User` forms: `uid`, `uid:gid`, `name`, `name:group` (and mixes). */
export function parseImageUser(user: string | undefined): UserRequest {
  if (!user) return {};
  const colon = user.indexOf(':');
  const u = colon < 0 ? user : user.slice(0, colon);
  const g = colon < 0 ? undefined : user.slice(colon + 1);
  const out: UserRequest = {};
  if (/^[0-9]+$/.test(u)) out.uid = Number(u);
  else if (u) out.name = u;
  if (g !== undefined && /^[0-9]+$/.test(g)) out.gid = Number(g);
  else if (g) out.group = g;
  return out;
}

export type UserResolution = { user: PlannedUser } | { missing: { kind: 'user' | 'group'; name: string } } | { unknown: true };

/**
 * Resolves a request against the image's accounts. `accounts` undefined means the image is not
 * known (a dry run without it): a request that needs no lookup still resolves.
 */
export function resolveUser(req: UserRequest, accounts: ImageAccounts | undefined): UserResolution {
  const needsNames = req.name !== undefined || req.group !== undefined;
  if (!accounts && needsNames) return { unknown: true };
  const passwd = accounts?.passwd ?? [];
  const group = accounts?.group ?? [];
  let uid = req.uid;
  let entry: ImageAccounts['passwd'][number] | undefined;
  if (uid === undefined && req.name !== undefined) {
    entry = passwd.find((e) => e.name === req.name);
    if (!entry) return { missing: { kind: 'user', name: req.name } };
    uid = entry.uid;
  }
  uid ??= 0;
  entry ??= passwd.find((e) => e.uid === uid);
  let gid = req.gid;
  if (gid === undefined && req.group !== undefined) {
    const g = group.find((e) => e.name === req.group);
    if (!g) return { missing: { kind: 'group', name: req.group } };
    gid = g.gid;
  }
  gid ??= entry?.gid ?? 0;
  const member = entry && req.imageGroups !== false ? group.filter((g) => g.members.includes(entry!.name) && g.gid !== gid).map((g) => g.gid) : [];
  return { user: { uid, gid, groups: [...new Set([...member, ...(req.supplementalGroups ?? [])])] } };
}
