// podrun's own AppArmor profile, what `appArmorProfile: {type: RuntimeDefault}` means here (and
// what a container gets when nothing names a profile, on a host with AppArmor: docs/security.md).
// It is modelled on what docker-default (moby profiles/apparmor/template.go) and podman's
// containers-default (containers/common pkg/apparmor) let a container do: its own files, the
// network and its capabilities (which the bounding set and seccomp limit), signals and ptrace
// only among processes under the same profile, no mount, no writes to /proc outside the
// processes' own entries, no writes to /sys outside the cgroup tree, and nothing at all of
// /sys/firmware, the RAPL energy counters or securityfs (where AppArmor policy is loaded).
//
// The name carries a hash of this template (written out, checked by a test), as containers-default carries podman's version:
// apply loads the profile (`apparmor_parser -Kr`) only when no profile of that name is loaded,
// so a podrun with another profile loads its own beside the old one, and a pod that runs keeps
// the profile it started with. Pure data: runtime/apparmor.ts decides the includes and loads it.
/** What the host's /etc/apparmor.d offers: each is used when there, as moby and podman do. */
export interface AppArmorIncludes {
  /** `abi/3.0`: pins the rule meanings of AppArmor 3 (with the 4.x parser `network,` no longer covers unix sockets). */
  abi3: boolean;
  /** `tunables/global`: defines @{PROC} and the other variables; without it @{PROC} is set here. */
  tunables: boolean;
  /** `abstractions/base`: what every program needs (shared libraries, /dev/null, locale). */
  base: boolean;
}

// {{name}} is the profile's own name; the lines starting with `?KEY ` are kept (without the
// marker) only when the host has that include, and `!KEY ` lines only when it has not.
const TEMPLATE = `# podrun's AppArmor profile for containers (appArmorProfile RuntimeDefault).
# Loaded by podrun with apparmor_parser -Kr; see podrun's docs/security.md.
?abi3 abi <abi/3.0>,
?tunables #include <tunables/global>
!tunables @{PROC}=/proc/

profile {{name}} flags=(attach_disconnected,mediate_deleted) {
?base   #include <abstractions/base>

  # Files, sockets and capabilities as the container's mounts, seccomp filter and bounding set
  # allow them; unmounting what it has.
  file,
  network,
  capability,
  umount,

  # Signals from the host (podrun's monitor, delete and exec run unconfined) and among the
  # processes under this profile; none to processes under another profile.
  signal (receive) peer=unconfined,
  signal (send,receive) peer={{name}},

  # ptrace, and reading another process's /proc entries, only among processes under this
  # profile (ps inside a pod sharing its PID namespace).
  ptrace (trace,read,tracedby,readby) peer={{name}},

  # No mounts, whatever capabilities the container has.
  deny mount,

  # /proc: writes only below a process's own directory (/proc/PID/...) and to
  # /proc/sys/kernel/shm*, which the pod's IPC namespace owns. Negated classes exclude '/'
  # (AppArmor's [^x] would match it).
  deny @{PROC}/* w,
  deny @{PROC}/[^1-9s/]*/** w,
  deny @{PROC}/[1-9]*[^0-9/]*/** w,
  deny @{PROC}/s[^y/]*/** w,
  deny @{PROC}/sy[^s/]*/** w,
  deny @{PROC}/sys?*/** w,
  deny @{PROC}/sys/[^k/]** w,
  deny @{PROC}/sys/k[^e/]** w,
  deny @{PROC}/sys/kernel/{?,??,[^s/]**,s[^h/]**,sh[^m/]**} w,
  deny @{PROC}/sysrq-trigger rwklx,
  deny @{PROC}/kcore rwklx,

  # /sys: writes only below /sys/fs/cgroup; firmware tables, the powercap (RAPL) energy
  # counters and securityfs not even readable.
  deny /sys/{[^f/]**,f[^s/]**,fs/[^c/]**,fs/c[^g/]**,fs/cg[^r/]**} wklx,
  deny /sys/firmware/** rwklx,
  deny /sys/devices/virtual/powercap/** rwklx,
  deny /sys/kernel/security/** rwklx,
}
`;

/**
 * The name of podrun's profile: `podrun-default-` and the first 12 hex digits of the template's
 * SHA-256, written out (hashing 3 KiB in cold JavaScript cost every apply a millisecond);
 * test/unit/apparmor.test.ts fails when the template changes and the name does not.
 */
export const APPARMOR_DEFAULT_PROFILE = 'podrun-default-6d49fc6e45f7';

/** The template, for the test that checks the name. */
export const APPARMOR_DEFAULT_TEMPLATE = TEMPLATE;

/** The profile text apparmor_parser loads, for the includes this host has. */
export function renderAppArmorDefault(includes: AppArmorIncludes, name = APPARMOR_DEFAULT_PROFILE): string {
  const out: string[] = [];
  for (const line of TEMPLATE.split('\n')) {
    const m = /^([?!])(abi3|tunables|base) (.*)$/.exec(line);
    if (!m) out.push(line);
    else if ((m[1] === '?') === includes[m[2] as keyof AppArmorIncludes]) out.push(m[3]);
  }
  return out.join('\n').replace(/\{\{name\}\}/g, name);
}
