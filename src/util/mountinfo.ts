// /proc/PID/mountinfo (proc(5)): one parser for the places that read it (cgroup detection,
// delete's check for mounts below a pod dir, the leftovers sweep, the tests' leak checks).
export interface MountinfoEntry {
  /** The mount's root within its filesystem (field 4). */
  root: string;
  /** Where it is mounted (field 5). */
  point: string;
  /** Per-mount options (field 6): rw, nosuid, ... */
  options: string[];
  fstype: string;
  /** Per-superblock options: for overlay `upperdir=...`, for cgroup v1 its controllers. */
  superOptions: string[];
}

/** Undoes the kernel's octal escapes (`\040` for a space) in a path field. */
export const unescapeMountinfo = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** A path as mountinfo writes it (space, tab, newline and backslash in octal). */
export const escapeMountinfo = (p: string) => p.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);

export function parseMountinfo(text: string): MountinfoEntry[] {
  const out: MountinfoEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-');
    if (dash < 6 || f.length < dash + 4) continue;
    out.push({ root: unescapeMountinfo(f[3]), point: unescapeMountinfo(f[4]), options: f[5].split(','), fstype: f[dash + 1], superOptions: f[dash + 3].split(',') });
  }
  return out;
}
