// How podrun-helper reports a failure, and the one place that says what it means to the user.
// The helper sends only `{step, syscall, errno, path}` (docs/protocol.md, "STEP names"); the
// message, the errno's name and the hint are made here, for the CLI, `get` and `describe` alike.
import { PodrunError } from '../../util/errors';
import { errnoName } from '../../util/errno';

/** One failure record, as the helper writes it (handshake, state.json). */
export interface FailureRecord {
  step: string;
  syscall: string;
  errno: number;
  /** The path or value involved; undefined (or '') when none. */
  path?: string;
}

/** `rootfs fsconfig /x/upper: EINVAL` */
export function formatFailure(r: FailureRecord): string {
  const path = r.path && r.path !== '-' ? ` ${r.path}` : '';
  return `${r.step} ${r.syscall}${path}: ${errnoName(r.errno)}`;
}

interface Hint {
  when: (r: FailureRecord, code: string) => boolean;
  hint: string;
}

/** Known causes, most specific first (STYLE: known traps get translated, as bubblewrap does). */
const HINTS: Hint[] = [
  {
    when: (r, c) => (r.step === 'volume' || r.step === 'rootfs' || r.step === 'dev') && r.syscall === 'mount_setattr' && c === 'EINVAL',
    hint: "with hostUsers: false every layer and volume is an idmapped mount, and this filesystem does not support them: put it on one that does (ext4, xfs, btrfs, tmpfs, overlay), or set hostUsers: true",
  },
  { when: (r) => r.step === 'userns', hint: "the pod's user namespace could not be set up (hostUsers: false): see the pod's monitor.log; the kernel must allow user namespaces (user.max_user_namespaces)" },
  { when: (r) => r.step === 'validate', hint: 'podrun wrote a launch file its helper refused: this is a podrun bug; please report it with this message' },
  { when: (r, c) => r.syscall.startsWith('exec') && c === 'ENOENT', hint: "command not found: check the container's command/args and that the image has it in PATH" },
  { when: (r, c) => r.syscall.startsWith('exec') && c === 'EACCES', hint: 'the command is not executable: check command/args and file modes in the image' },
  { when: (r) => r.step === 'cwd', hint: 'check workingDir' },
  {
    when: (r, c) => r.step === 'rootfs' && c === 'EINVAL',
    hint: "overlay refused the layers: upper and work dirs must be on the same filesystem (not tmpfs or overlay) and the layer count within the kernel's limit",
  },
  { when: (r) => r.step === 'volume' && r.syscall === 'hostpath', hint: 'the hostPath leads (through a symlink) to a path podrun never gives a pod: /, /proc, /sys, /dev or podrun\'s own state' },
  { when: (r) => r.step === 'volume' && r.syscall === 'hostpath-fs', hint: 'the hostPath is on a kernel filesystem (proc, sysfs, nsfs, bpf, debugfs, tracefs, securityfs, efivarfs, cgroup, binfmt_misc, configfs, pstore, selinuxfs, fusectl), which reaches past the host\'s files; podrun never gives one to a pod' },
  { when: (r) => r.step === 'volume' && r.syscall === 'hostpath-submount', hint: 'a kernel filesystem (proc, sysfs, nsfs, bpf, debugfs, tracefs, securityfs, efivarfs, cgroup, binfmt_misc, configfs, pstore, selinuxfs, fusectl) is mounted below the hostPath, and a hostPath is bound with what is mounted below it; unmount it or choose another path' },
  { when: (r, c) => r.step === 'volume' && r.syscall === 'hosttype' && c === 'ENODEV', hint: 'the volume holds a device node where hostPath.type does not ask for one (CharDevice or BlockDevice)' },
  { when: (r) => r.step === 'volume' && r.syscall === 'hosttype', hint: 'the hostPath is not what its type says (Directory, File, Socket, CharDevice, BlockDevice)' },
  { when: (r, c) => r.step === 'volume' && r.syscall === 'openat2' && c === 'ELOOP' && !!r.path?.startsWith('/'), hint: 'the hostPath leads through a /proc magic link (such as /proc/PID/root), which podrun does not follow' },
  { when: (r, c) => r.step === 'volume' && (c === 'EXDEV' || c === 'ELOOP'), hint: 'the subPath leads out of its volume (a symlink)' },
  { when: (r) => r.step === 'volume', hint: "check the volume's source and the mountPath" },
  {
    when: (r, c) => r.step === 'apparmor' && c === 'ENOENT' && r.syscall === 'write',
    hint: 'the AppArmor profile is not loaded (any more): load it with apparmor_parser (podrun loads its own, podrun-default-*, at apply) and apply the pod again',
  },
  {
    when: (r, c) => r.step === 'apparmor' && (c === 'EINVAL' || c === 'ENOENT'),
    hint: "this host's kernel refused the AppArmor profile change: it has no AppArmor enabled (`/sys/module/apparmor/parameters/enabled`); use `appArmorProfile: {type: Unconfined}`",
  },
  { when: (r) => r.step === 'apparmor', hint: "the container's AppArmor profile could not be set (docs/security.md, \"AppArmor\")" },
  {
    when: (r) => r.step === 'seccomp' && r.syscall === 'seccomp',
    hint: 'the kernel refused the compiled seccomp filter: check that this kernel has seccomp (CONFIG_SECCOMP_FILTER); with a Localhost profile, try RuntimeDefault',
  },
  { when: (r) => r.step === 'seccomp', hint: "the pod's compiled seccomp program is missing or damaged: apply the pod again" },
  {
    when: (r, c) => c === 'EPERM' && r.step === 'user',
    hint: 'a Localhost seccomp profile must allow what podrun calls before the command starts (setgroups, setgid, setuid, rt_sigprocmask, rt_sigaction, close_range, execve; docs/security.md); otherwise check runAsUser/runAsGroup',
  },
  {
    when: (r, c) => c === 'EPERM' && r.step === 'caps' && r.syscall === 'capset',
    hint: 'a Localhost seccomp profile must allow capset, which podrun calls before the command starts to cut its capabilities to the container\'s (docs/security.md, escape 10)',
  },
  {
    when: (r) => r.step === 'pdeathsig',
    hint: 'the container could not be tied to its monitor (PR_SET_PDEATHSIG): a Localhost seccomp profile must allow prctl and poll, which podrun calls before the command starts (docs/security.md)',
  },
  {
    when: (r, c) => r.step === 'start' && r.syscall === 'killed' && c === 'ENOSYS',
    hint: "the container's seccomp profile killed the process podrun was starting (a Localhost profile must allow, for a container sharing the pod's PID namespace: dup3, close_range, prctl, clone without namespace flags, read, write, setsid and, with a tty, ioctl; docs/security.md, escape 11)",
  },
  { when: (r) => r.step === 'start' && r.syscall === 'killed', hint: "the process podrun was starting was killed before it ran the container's command: see the pod's monitor.log" },
  { when: (r) => r.step === 'user', hint: "check securityContext.runAsUser/runAsGroup and the image's USER" },
  { when: (r, c) => r.step === 'dev' && c === 'ENODEV', hint: "a device node on this host is not the device podrun expected: check the host's /dev" },
  { when: (r, c) => c === 'EPERM' && ['pause', 'namespaces', 'clone', 'mount-namespace'].includes(r.step), hint: 'podrun needs root (CAP_SYS_ADMIN) to create namespaces' },
];

/** The hint for a failure record, or undefined when podrun knows no likely cause. */
export function failureHint(r: FailureRecord): string | undefined {
  const code = errnoName(r.errno);
  return HINTS.find((h) => h.when(r, code))?.hint;
}

/** A helper failure as an error: `pod/web: container app: exec execve sh: ENOENT` + hint. */
export class HelperFailure extends PodrunError {
  readonly code: string;
  constructor(
    readonly subject: string,
    readonly record: FailureRecord,
    after?: string,
  ) {
    const hint = failureHint(record);
    super(`${subject}: ${formatFailure(record)}`, [hint, after].filter(Boolean).join('; ') || undefined);
    this.code = errnoName(record.errno);
  }
}
