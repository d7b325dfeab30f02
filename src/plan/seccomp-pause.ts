// The pause process's own seccomp profile. The pause only waits for signals and reaps; but a
// container granted SYS_PTRACE in a shared PID namespace can make it run any system call (attach,
// point it at its `syscall` instruction, step), and without a filter of its own the pause would
// run the calls the container's profile refuses (keyctl, bpf, io_uring, ...). So it allows the
// pause program's calls (pause-tiny.c), what static glibc runs before main for the
// `podrun-helper pause` fallback (pause.c), and the execveat that starts it; everything else
// fails with EPERM (the memory it may map is bounded by its rlimits, pause.c). It covers the native architecture only: a call through another
// architecture's entry (int 0x80) kills the pause (libseccomp's bad-arch action).
import type { SeccompProfile } from './seccomp-default';

const PR_SET_DUMPABLE = 4;
const PR_SET_NAME = 15;
const AT_EMPTY_PATH = 0x1000;

export const PAUSE_SECCOMP_PROFILE: SeccompProfile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 1,
  syscalls: [
    {
      names: ['rt_sigprocmask', 'rt_sigtimedwait', 'rt_sigaction', 'rt_sigreturn', 'restart_syscall', 'wait4', 'exit', 'exit_group'],
      action: 'SCMP_ACT_ALLOW',
      comment: 'the pause: block every signal, take them one by one, reap, exit',
    },
    {
      names: ['prctl'],
      action: 'SCMP_ACT_ALLOW',
      args: [
        { index: 0, value: PR_SET_DUMPABLE, op: 'SCMP_CMP_EQ' },
        { index: 1, value: 0, op: 'SCMP_CMP_EQ' },
      ],
      comment: 'not dumpable (never dumpable again: that would let uid 65535 attach)',
    },
    { names: ['prctl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: PR_SET_NAME, op: 'SCMP_CMP_EQ' }], comment: 'named podrun-pause' },
    { names: ['execveat'], action: 'SCMP_ACT_ALLOW', args: [{ index: 4, value: AT_EMPTY_PATH, op: 'SCMP_CMP_EQ' }], comment: 'the exec of the sealed pause program by fd' },
    {
      names: ['arch_prctl', 'brk', 'getrandom', 'mmap', 'munmap', 'mprotect', 'readlink', 'readlinkat', 'rseq', 'set_robust_list', 'set_tid_address', 'fstat', 'newfstatat'],
      action: 'SCMP_ACT_ALLOW',
      comment: 'static glibc before main (the podrun-helper pause fallback)',
    },
    { names: ['prlimit64'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, value: 0, op: 'SCMP_CMP_EQ' }], comment: 'static glibc reads RLIMIT_STACK; never sets a limit' },
  ],
};
