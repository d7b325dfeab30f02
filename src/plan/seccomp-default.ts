// podrun's RuntimeDefault seccomp profile, as data in the Docker/OCI JSON profile format, so it
// takes the same path as a Localhost profile: apply compiles it with the container's capability
// bounding set (the addon, libseccomp) and the helper installs the program last before execve.
// It allows what moby's default profile allows (moby/profiles seccomp/default.json, vendored in
// moby/moby at vendor/github.com/moby/profiles/seccomp/default.json): the same syscalls, the same
// capability- and architecture-gated rules, the same argument filters; listed here by what the
// calls do. Everything not listed fails with EPERM (defaultErrnoRet 1). docs/security.md says what
// that refuses and why.

/** One condition on a syscall argument (OCI `LinuxSeccompArg`). */
export interface SeccompArg {
  index: number;
  value: number;
  /** The datum of SCMP_CMP_MASKED_EQ (`value` is the mask); 0 when absent. */
  valueTwo?: number;
  op: 'SCMP_CMP_NE' | 'SCMP_CMP_LT' | 'SCMP_CMP_LE' | 'SCMP_CMP_EQ' | 'SCMP_CMP_GE' | 'SCMP_CMP_GT' | 'SCMP_CMP_MASKED_EQ';
}

/** When a rule applies (Docker's extension): capabilities in the bounding set, host architecture, kernel. */
export interface SeccompFilter {
  caps?: string[];
  /** Docker's names for the host architecture: amd64, x86, x32, arm64, ... */
  arches?: string[];
  /** `MAJOR.MINOR` */
  minKernel?: string;
}

export type SeccompAction =
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_KILL'
  | 'SCMP_ACT_KILL_THREAD'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_TRACE'
  | 'SCMP_ACT_LOG';

export interface SeccompRule {
  names: string[];
  action: SeccompAction;
  /** The errno of SCMP_ACT_ERRNO (EPERM when absent). */
  errnoRet?: number;
  /** Conditions on the arguments, all of which must hold (conditions on one argument: any). */
  args?: SeccompArg[];
  comment?: string;
  includes?: SeccompFilter;
  excludes?: SeccompFilter;
}

/** A profile in the Docker JSON format (what `docker run --security-opt seccomp=FILE` reads). */
export interface SeccompProfile {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  /** Sub-architectures the filter also covers, by host architecture (SCMP_ARCH_* names). */
  archMap?: { architecture: string; subArchitectures: string[] | null }[];
  architectures?: string[];
  syscalls: SeccompRule[];
}

const EPERM = 1;
const ENOSYS = 38;

// The namespace flags of clone(2): a clone that asks for none of them is an ordinary fork or
// thread; one that asks for any needs CAP_SYS_ADMIN (include/uapi/linux/sched.h).
const CLONE_NEWNS = 0x00020000;
const CLONE_NEWCGROUP = 0x02000000;
const CLONE_NEWUTS = 0x04000000;
const CLONE_NEWIPC = 0x08000000;
const CLONE_NEWUSER = 0x10000000;
const CLONE_NEWPID = 0x20000000;
const CLONE_NEWNET = 0x40000000;
const CLONE_NAMESPACES = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;

// socket(2) families refused: AF_ALG (38), the kernel's crypto API, a large attack surface for a
// container; AF_VSOCK (40), which reaches the hypervisor and the host's other guests.
const AF_ALG = 38;
const AF_VSOCK = 40;

// personality(2) values a container may set: PER_LINUX, UNAME26, ADDR_NO_RANDOMIZE (setarch -R),
// both, and 0xffffffff, which only queries. Other personalities change how the kernel reads
// syscalls and memory layouts.
const PERSONALITIES = [0x0, 0x0008, 0x20000, 0x20008, 0xffffffff];

const allow = (comment: string, names: string[], more: Partial<SeccompRule> = {}): SeccompRule => ({ names, action: 'SCMP_ACT_ALLOW', comment, ...more });
const withCap = (cap: string, comment: string, names: string[]): SeccompRule => allow(comment, names, { includes: { caps: [cap] } });

const UNCONDITIONAL: SeccompRule[] = [
  allow('paths: open, create, link, rename, remove, change owner and mode', [
    'access', 'faccessat', 'faccessat2', 'chdir', 'fchdir', 'getcwd', 'umask',
    'open', 'openat', 'openat2', 'creat', 'close', 'close_range', 'dup', 'dup2', 'dup3',
    'link', 'linkat', 'symlink', 'symlinkat', 'unlink', 'unlinkat', 'rename', 'renameat', 'renameat2',
    'mkdir', 'mkdirat', 'rmdir', 'mknod', 'mknodat', 'readlink', 'readlinkat', 'name_to_handle_at',
    'chmod', 'fchmod', 'fchmodat', 'fchmodat2', 'chown', 'chown32', 'fchown', 'fchown32', 'fchownat', 'lchown', 'lchown32',
    'truncate', 'truncate64', 'ftruncate', 'ftruncate64', 'utime', 'utimes', 'utimensat', 'utimensat_time64', 'futimesat',
  ]),
  allow('file status, directories, extended attributes, mount listings', [
    'stat', 'stat64', 'lstat', 'lstat64', 'fstat', 'fstat64', 'fstatat64', 'newfstatat', 'statx',
    'statfs', 'statfs64', 'fstatfs', 'fstatfs64', 'getdents', 'getdents64', 'listmount', 'statmount',
    'getxattr', 'lgetxattr', 'fgetxattr', 'getxattrat', 'setxattr', 'lsetxattr', 'fsetxattr', 'setxattrat',
    'listxattr', 'llistxattr', 'flistxattr', 'listxattrat', 'removexattr', 'lremovexattr', 'fremovexattr', 'removexattrat',
  ]),
  allow('reading and writing descriptors, syncing, locks, ioctl, POSIX AIO (io_uring is not here)', [
    'read', 'readv', 'pread64', 'preadv', 'preadv2', 'write', 'writev', 'pwrite64', 'pwritev', 'pwritev2',
    'lseek', '_llseek', 'sendfile', 'sendfile64', 'splice', 'tee', 'vmsplice', 'copy_file_range',
    'fallocate', 'fadvise64', 'fadvise64_64', 'readahead', 'cachestat',
    'sync', 'syncfs', 'fsync', 'fdatasync', 'sync_file_range', 'flock', 'fcntl', 'fcntl64', 'ioctl',
    'io_setup', 'io_destroy', 'io_submit', 'io_cancel', 'io_getevents', 'io_pgetevents', 'io_pgetevents_time64',
  ]),
  allow('waiting for events: select, poll, epoll, eventfd, inotify, fanotify marks, signalfd, timerfd, pipes', [
    'select', '_newselect', 'pselect6', 'pselect6_time64', 'poll', 'ppoll', 'ppoll_time64',
    'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_ctl_old', 'epoll_wait', 'epoll_wait_old', 'epoll_pwait', 'epoll_pwait2',
    'eventfd', 'eventfd2', 'inotify_init', 'inotify_init1', 'inotify_add_watch', 'inotify_rm_watch', 'fanotify_mark',
    'signalfd', 'signalfd4', 'timerfd_create', 'timerfd_settime', 'timerfd_settime64', 'timerfd_gettime', 'timerfd_gettime64',
    'pipe', 'pipe2',
  ]),
  allow('memory', [
    'brk', 'mmap', 'mmap2', 'munmap', 'mremap', 'mprotect', 'madvise', 'mincore', 'msync', 'remap_file_pages',
    'mlock', 'mlock2', 'mlockall', 'munlock', 'munlockall', 'membarrier', 'memfd_create', 'memfd_secret',
    'pkey_alloc', 'pkey_free', 'pkey_mprotect', 'map_shadow_stack', 'mseal',
  ]),
  allow('processes and threads (clone and clone3 have rules of their own below)', [
    'fork', 'vfork', 'execve', 'execveat', 'exit', 'exit_group', 'wait4', 'waitid', 'waitpid',
    'getpid', 'getppid', 'gettid', 'getpgid', 'setpgid', 'getpgrp', 'getsid', 'setsid',
    'kill', 'tkill', 'tgkill', 'pidfd_open', 'pidfd_send_signal', 'process_mrelease',
    'set_tid_address', 'set_robust_list', 'get_robust_list', 'rseq', 'restart_syscall',
    'futex', 'futex_time64', 'futex_waitv', 'futex_wait', 'futex_wake', 'futex_requeue',
    'get_thread_area', 'set_thread_area', 'prctl', 'capget', 'capset', 'seccomp',
    'landlock_create_ruleset', 'landlock_add_rule', 'landlock_restrict_self',
    'uname', 'sysinfo', 'getrandom', 'getcpu', 'getrusage', 'times', 'uretprobe', 'riscv_hwprobe',
  ]),
  allow('user and group ids (the kernel checks CAP_SETUID and CAP_SETGID)', [
    'getuid', 'getuid32', 'geteuid', 'geteuid32', 'getgid', 'getgid32', 'getegid', 'getegid32',
    'getresuid', 'getresuid32', 'getresgid', 'getresgid32', 'getgroups', 'getgroups32',
    'setuid', 'setuid32', 'setgid', 'setgid32', 'setreuid', 'setreuid32', 'setregid', 'setregid32',
    'setresuid', 'setresuid32', 'setresgid', 'setresgid32', 'setfsuid', 'setfsuid32', 'setfsgid', 'setfsgid32',
    'setgroups', 'setgroups32',
  ]),
  allow('limits, priorities and scheduling (raising them needs CAP_SYS_RESOURCE or CAP_SYS_NICE)', [
    'getrlimit', 'setrlimit', 'ugetrlimit', 'prlimit64', 'getpriority', 'setpriority', 'ioprio_get', 'ioprio_set',
    'sched_yield', 'sched_getaffinity', 'sched_setaffinity', 'sched_getattr', 'sched_setattr', 'sched_getparam', 'sched_setparam',
    'sched_getscheduler', 'sched_setscheduler', 'sched_get_priority_max', 'sched_get_priority_min',
    'sched_rr_get_interval', 'sched_rr_get_interval_time64',
  ]),
  allow('signals', [
    'rt_sigaction', 'rt_sigpending', 'rt_sigprocmask', 'rt_sigqueueinfo', 'rt_sigreturn', 'rt_sigsuspend',
    'rt_sigtimedwait', 'rt_sigtimedwait_time64', 'rt_tgsigqueueinfo', 'sigaltstack', 'sigprocmask', 'sigreturn', 'pause', 'alarm',
  ]),
  allow('clocks and timers (setting the clock needs CAP_SYS_TIME, below)', [
    'clock_gettime', 'clock_gettime64', 'clock_getres', 'clock_getres_time64', 'clock_nanosleep', 'clock_nanosleep_time64',
    'nanosleep', 'gettimeofday', 'time', 'adjtimex', 'clock_adjtime', 'clock_adjtime64', 'getitimer', 'setitimer',
    'timer_create', 'timer_delete', 'timer_gettime', 'timer_gettime64', 'timer_settime', 'timer_settime64', 'timer_getoverrun',
  ]),
  allow('sockets (socket itself is filtered by family below)', [
    'socketpair', 'bind', 'connect', 'listen', 'accept', 'accept4', 'getsockname', 'getpeername', 'getsockopt', 'setsockopt',
    'send', 'sendto', 'sendmsg', 'sendmmsg', 'recv', 'recvfrom', 'recvmsg', 'recvmmsg', 'recvmmsg_time64', 'shutdown', 'socketcall',
  ]),
  allow('System V and POSIX IPC (in the pod IPC namespace)', [
    'ipc', 'msgget', 'msgsnd', 'msgrcv', 'msgctl', 'semget', 'semop', 'semtimedop', 'semtimedop_time64', 'semctl',
    'shmget', 'shmat', 'shmdt', 'shmctl', 'mq_open', 'mq_unlink', 'mq_timedsend', 'mq_timedsend_time64',
    'mq_timedreceive', 'mq_timedreceive_time64', 'mq_notify', 'mq_getsetattr',
  ]),
];

const FILTERED: SeccompRule[] = [
  allow('ptrace could bypass seccomp before Linux 4.8', ['ptrace', 'process_vm_readv', 'process_vm_writev'], { includes: { minKernel: '4.8' } }),
  allow('every socket family but AF_ALG and AF_VSOCK', ['socket'], { args: [{ index: 0, value: AF_ALG, op: 'SCMP_CMP_LT' }] }),
  allow('every socket family but AF_ALG and AF_VSOCK', ['socket'], { args: [{ index: 0, value: AF_ALG + 1, op: 'SCMP_CMP_EQ' }] }),
  allow('every socket family but AF_ALG and AF_VSOCK', ['socket'], { args: [{ index: 0, value: AF_VSOCK, op: 'SCMP_CMP_GT' }] }),
  ...PERSONALITIES.map((p) => allow('the personalities that change nothing dangerous', ['personality'], { args: [{ index: 0, value: p, op: 'SCMP_CMP_EQ' }] })),
  allow('x86 thread and segment set-up', ['arch_prctl'], { includes: { arches: ['amd64', 'x32'] } }),
  allow('x86 thread and segment set-up', ['modify_ldt'], { includes: { arches: ['amd64', 'x32', 'x86'] } }),
  allow('architecture-specific calls of arm', ['arm_fadvise64_64', 'arm_sync_file_range', 'sync_file_range2', 'breakpoint', 'cacheflush', 'set_tls'], {
    includes: { arches: ['arm', 'arm64'] },
  }),
  allow('architecture-specific calls of ppc64le', ['sync_file_range2', 'swapcontext'], { includes: { arches: ['ppc64le'] } }),
  allow('architecture-specific calls of s390', ['s390_pci_mmio_read', 's390_pci_mmio_write', 's390_runtime_instr'], { includes: { arches: ['s390', 's390x'] } }),
  allow('architecture-specific calls of riscv64', ['riscv_flush_icache'], { includes: { arches: ['riscv64'] } }),
  allow('clone without namespace flags: fork and threads', ['clone'], {
    args: [{ index: 0, value: CLONE_NAMESPACES, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
    excludes: { caps: ['CAP_SYS_ADMIN'], arches: ['s390', 's390x'] },
  }),
  allow('clone without namespace flags (s390 passes the flags second)', ['clone'], {
    args: [{ index: 1, value: CLONE_NAMESPACES, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
    includes: { arches: ['s390', 's390x'] },
    excludes: { caps: ['CAP_SYS_ADMIN'] },
  }),
  {
    names: ['clone3'],
    action: 'SCMP_ACT_ERRNO',
    errnoRet: ENOSYS,
    comment: 'its flags are behind a pointer, where seccomp cannot look: ENOSYS makes libc fall back to clone',
    excludes: { caps: ['CAP_SYS_ADMIN'] },
  },
];

const CAPABILITY_GATED: SeccompRule[] = [
  withCap('CAP_SYS_ADMIN', 'namespaces, mounts, BPF, perf, quotas, host and domain names, the kernel log', [
    'clone', 'clone3', 'unshare', 'setns', 'mount', 'umount', 'umount2', 'mount_setattr', 'move_mount', 'open_tree',
    'fsopen', 'fsconfig', 'fsmount', 'fspick', 'fanotify_init', 'bpf', 'perf_event_open', 'lookup_dcookie',
    'quotactl', 'quotactl_fd', 'sethostname', 'setdomainname', 'syslog', 'lsm_get_self_attr', 'lsm_set_self_attr', 'lsm_list_modules',
  ]),
  withCap('CAP_DAC_READ_SEARCH', 'opening files by handle bypasses the path walk (the "shocker" escape)', ['open_by_handle_at']),
  withCap('CAP_SYS_BOOT', 'rebooting', ['reboot']),
  withCap('CAP_SYS_CHROOT', 'chroot', ['chroot']),
  withCap('CAP_SYS_MODULE', 'kernel modules', ['init_module', 'finit_module', 'delete_module']),
  withCap('CAP_SYS_PACCT', 'process accounting', ['acct']),
  withCap('CAP_SYS_PTRACE', 'reaching into other processes', ['ptrace', 'process_vm_readv', 'process_vm_writev', 'process_madvise', 'kcmp', 'pidfd_getfd']),
  withCap('CAP_SYS_RAWIO', 'I/O ports', ['iopl', 'ioperm']),
  withCap('CAP_SYS_TIME', 'setting the clock', ['settimeofday', 'stime', 'clock_settime', 'clock_settime64']),
  withCap('CAP_SYS_TTY_CONFIG', 'hanging up the terminal', ['vhangup']),
  withCap('CAP_SYS_NICE', 'NUMA memory policies', ['get_mempolicy', 'set_mempolicy', 'set_mempolicy_home_node', 'mbind']),
  withCap('CAP_SYSLOG', 'the kernel log', ['syslog']),
  withCap('CAP_BPF', 'BPF', ['bpf']),
  withCap('CAP_PERFMON', 'performance monitoring', ['perf_event_open']),
];

/** The profile of `seccompProfile: {type: RuntimeDefault}`, and of a container that asks for none. */
export const RUNTIME_DEFAULT_PROFILE: SeccompProfile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: EPERM,
  // A 64-bit x86 host also runs i386 and x32 programs: the filter covers their syscall tables too.
  archMap: [
    { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
    { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
    { architecture: 'SCMP_ARCH_S390X', subArchitectures: ['SCMP_ARCH_S390'] },
    { architecture: 'SCMP_ARCH_RISCV64', subArchitectures: null },
  ],
  syscalls: [...UNCONDITIONAL, ...FILTERED, ...CAPABILITY_GATED],
};
