/* The launch file (docs/protocol.md "The launch file"): parsed and re-validated by the monitor.
   All strings point into one buffer holding the file, which lives as long as the monitor.  */
#ifndef PODRUN_LAUNCH_H
#define PODRUN_LAUNCH_H

#include "util.h" /* first: it defines _GNU_SOURCE */

#include "storage.h"
#include "supervise.h"

#include <linux/filter.h>
#include <sys/types.h>

enum podrun_ns_mode
{
  PODRUN_NS_POD = 0,
  PODRUN_NS_HOST,
  PODRUN_NS_CONTAINER /* pid only */
};

/* What a hostPath's source must be, checked on the opened fd (hostPath.type).  */
enum podrun_host_type
{
  PODRUN_HOST_NONE = 0, /* not a hostPath: a pod-owned dir (emptyDir) */
  PODRUN_HOST_ANY,      /* type "": anything but a device */
  PODRUN_HOST_DIR,
  PODRUN_HOST_FILE,
  PODRUN_HOST_SOCKET,
  PODRUN_HOST_CHAR,
  PODRUN_HOST_BLOCK
};

struct podrun_bind
{
  const char *source;  /* bind: the source; bindsub: the volume root */
  const char *subpath; /* bindsub only */
  const char *dest;
  int readonly;
  int is_file;
  enum podrun_host_type host; /* hostbind, hostbindsub */
};

/* A device bound from the host's node of the same path, checked to be that kind and MAJOR:MINOR.  */
struct podrun_device
{
  const char *path; /* /dev/NAME */
  int block;        /* a block device, else a character device */
  unsigned major, minor;
};

struct podrun_tmpfs
{
  const char *dir;
  unsigned long long size;
  const char *mode;            /* octal, e.g. 0777 */
  const char *gid;             /* NULL: root's */
  unsigned long long pagesize; /* hugetlbfs of this page size; 0: tmpfs */
};

struct podrun_log_stream
{
  int fd;                     /* read end in the monitor, -1 once at EOF */
  int log_fd;                 /* the container's CRI log */
  const char *name;           /* "stdout" / "stderr" */
  unsigned long long written; /* bytes this stream put in the log file now open (rotation) */
  size_t len;
  char buf[16384];
};

enum podrun_ctr_status
{
  PODRUN_CTR_NEW = 0,
  PODRUN_CTR_RUNNING,
  PODRUN_CTR_EXITED,
  PODRUN_CTR_START_ERROR
};

/* What a probe or a lifecycle hook does (docs/supervision.md): the plan's handler, as data the
   monitor runs.  */
enum podrun_handler_type
{
  PODRUN_HANDLER_NONE = 0,
  PODRUN_HANDLER_EXEC,
  PODRUN_HANDLER_HTTP_GET,
  PODRUN_HANDLER_TCP_SOCKET,
  PODRUN_HANDLER_GRPC,
  PODRUN_HANDLER_SLEEP
};

struct podrun_http_header
{
  const char *name, *value;
};

struct podrun_handler
{
  enum podrun_handler_type type;
  char **argv; /* exec: NULL-terminated */
  size_t n_argv;
  int https;        /* httpGet: scheme HTTPS */
  const char *host; /* httpGet, tcpSocket, grpc: an address or a name (the plan's: the pod IP by default) */
  unsigned port;    /* httpGet, tcpSocket, grpc: 1..65535, named ports resolved */
  const char *path; /* httpGet: the request target, from `/` */
  struct podrun_http_header *headers;
  size_t n_headers;
  const char *service; /* grpc: the health service ("" the server's) */
  sv_ms sleep;         /* sleep */
};

/* Whose handler: the three probes (enum sv_probe_kind), then the two hooks.  */
enum
{
  PODRUN_HANDLER_POST_START = SV_N_PROBES,
  PODRUN_HANDLER_PRE_STOP,
  PODRUN_N_HANDLERS
};

/* Image layers a container may stack (plus the init layer: `lower` directives).  */
#define PODRUN_MAX_LOWERS 500

struct podrun_container
{
  const char *name, *upper, *work, *rootfs, *log, *state, *cwd;
  const char **lowers;
  size_t n_lowers;
  struct podrun_bind *binds;
  size_t n_binds;
  uid_t uid;
  gid_t gid;
  gid_t *groups;
  size_t n_groups;
  char **env; /* NULL-terminated */
  size_t n_env;
  char **argv; /* NULL-terminated */
  size_t n_argv;
  int stdin_open, tty;
  int stdin_once; /* `stdinonce 1`: the stdin goes to the first attach only (stdinOnce) */
  /* Policy from the plan (docs/protocol.md): the capability bounding set, the /dev tmpfs size and
     devices, and the /proc and /sys paths to hide or make read-only.  */
  uint64_t caps;
  int have_caps;
  unsigned long long dev_size;
  struct podrun_device *devices;
  size_t n_devices;
  const char **masked; /* absolute, under /proc or /sys */
  size_t n_masked;
  const char **readonly; /* absolute, under /proc or /sys */
  size_t n_readonly;
  int readonly_root;  /* the root is made read-only once everything is mounted */
  int writable_sysfs; /* privileged */
  int nonewprivs, have_nonewprivs;
  const char *seccomp;  /* the compiled program (absolute path); NULL: unconfined */
  const char *apparmor; /* the AppArmor profile the process execs into; NULL: unconfined */
  /* The kubelet refuses to create it (CreateContainerConfigError, e.g. runAsNonRoot with a root
     user): every start fails with this message, retried with back-off.  NULL: none.  */
  const char *config_error;
  const char **cgroups; /* cgroup dirs the child joins first (cgroup.procs), one per hierarchy */
  size_t n_cgroups;
  /* Its own cgroup namespace (unshared once it is in its cgroups: their dirs are its roots) and
     the view of them mounted at /sys/fs/cgroup, read-only unless writable_sysfs: a fresh cgroup2
     mount (NAME "": at /sys/fs/cgroup itself, pure v2; else at /sys/fs/cgroup/NAME) or a bind of
     a v1 hierarchy's container dir DIR at /sys/fs/cgroup/NAME on a tmpfs.  */
  int cgroupns;
  struct podrun_cgroup_view
  {
    const char *name, *dir; /* dir NULL: a cgroup2 mount */
  } * cgroup_views;
  size_t n_cgroup_views;
  /* limits.ephemeral-storage (bytes, 0: none) and as the API prints it, for the eviction message.  */
  unsigned long long storage_limit;
  const char *storage_limit_text;
  /* The memory cgroup's OOM kill counter (v2 memory.events, v1 memory.oom_control: an
     `oom_kill N` line); NULL: no memory cgroup, no OOMKilled.  */
  const char *oom_events;
  /* Supervision (docs/supervision.md; probe.c runs the handlers): the state machine's
     config for this container, the probes' and hooks' handlers (by podrun_handler index; a probe
     or hook is there when its handler's type is not NONE), the termination message file.  */
  struct sv_container_config sv;
  int have_kind, have_restart;
  struct podrun_handler handlers[PODRUN_N_HANDLERS];
  const char *termination_path; /* inside the container */
  int termination_fallback;     /* FallbackToLogsOnError */
  /* The host file bound at termination_path: a fresh one per attempt, made by the monitor
     (NULL: no termination message file, as for an unsupervised launch).  */
  const char *termination_file;

  /* Runtime, owned by the monitor.  */
  enum podrun_ctr_status status;
  pid_t pid;
  int pidfd;
  int stdin_fd;    /* write end held open with `stdin 1` */
  int stdin_taken; /* stdinOnce: this instance's stdin went to an attach (no other gets it) */
  /* The program read from `seccomp` before the clone; containers naming the same file share one
     buffer, freed by the first of them once every container has started.  */
  struct sock_fprog seccomp_prog;
  int seccomp_owner;
  unsigned long long start_time;
  char started_at[PODRUN_TIME_LEN];
  char finished_at[PODRUN_TIME_LEN];
  int exit_code, signal;
  podrun_err_t start_error;
  struct podrun_log_stream *out, *err;
};

struct podrun_pod
{
  char *data; /* the file */
  const char *key, *hostname, *poddir, *shm_dir;
  unsigned long long shm_size;
  enum podrun_ns_mode net, ipc, uts, pid;
  /* hostUsers: false: container ids 0..USERNS_LEN-1 are host ids USERNS_HOST.. (uids and gids
     alike); USERNS_LEN 0 = the host user namespace.  */
  unsigned long userns_host, userns_len;
  struct podrun_tmpfs *tmpfs;
  size_t n_tmpfs;
  /* A hostPath source whose real path is, is below or is above one of these is refused;
     device hostPaths (CharDevice, BlockDevice) are checked against the second list.  */
  const char **denied;
  size_t n_denied;
  const char **denied_devices;
  size_t n_denied_devices;
  /* Namespaced sysctls, written by the pause process in the pod's namespaces.  */
  struct
  {
    const char *name, *value;
  } * sysctls;
  size_t n_sysctls;
  /* The pause process's own seccomp program (a file, read by the monitor into PAUSE_PROG).  */
  const char *pause_seccomp;
  struct sock_fprog pause_prog;
  /* The cgroup dirs the pause process joins first (cgroup.procs), one per hierarchy: its leaf
     below the pod's cgroup.  */
  const char **pause_cgroups;
  size_t n_pause_cgroups;
  struct podrun_container *containers;
  size_t n_containers;
  /* Ephemeral storage (storage.h): checked every STORAGE_CHECK ms (0: never); the pod's disk
     emptyDirs, with their sizeLimit; the sum of its containers' limits (0: none).  */
  sv_ms storage_check;
  struct podrun_emptydir_limit *emptydirs;
  size_t n_emptydirs;
  unsigned long long storage_limit;
  const char *storage_limit_text;
  /* Supervision: SUPERVISE is set when the file has the pod's supervision directives; then SV is
     the config (its containers the array SV_CONTAINERS, in container order) and MACHINE the
     state machine sv_init accepted it into (NULL for a pod with no container to start).  */
  int supervise, have_grace, have_min_grace, have_backoff;
  struct sv_config sv;
  struct sv_container_config *sv_containers;
  struct sv_machine *machine;
  /* A pod on a CNI network (protocol 10): the pod's address is known only once the CLI has run
     the plugins against the pause's network namespace.  NETGATE_IP and NETGATE_IPS are the plan's
     stand-ins for status.podIP and status.podIPs: after sync 1 the monitor waits for `go IP IPS`
     and puts the addresses where the stand-ins are (podrun_launch_substitute).  NULL: no gate.  */
  const char *netgate_ip, *netgate_ips;
  /* `notify ARG`...: a command the monitor runs (detached, one at a time, again if asked while
     one runs) when the pod's Ready condition changes, so the host's Service rules and the pods'
     managed /etc/hosts follow readiness (protocol 10).  NULL: none.  */
  char **notify_argv;
  size_t n_notify;
  /* `hostport PROTO ADDR PORT`: a hostPort the network's portmap plugin publishes; the monitor
     holds a socket bound to it (TCP listening) for the pod's life, so the kernel refuses it to
     anyone else, as the kubelet's hostport manager did.  ADDR NULL: every address.  */
  struct podrun_hostport
  {
    int proto; /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP */
    const char *proto_name, *addr;
    unsigned port;
  } * hostports;
  size_t n_hostports;
};

/* Parses and validates FILE.  On failure ERR holds step "validate", the directive as syscall and
   the offending value (or the file) as path.  */
int podrun_launch_parse (const char *file, struct podrun_pod *pod, podrun_err_t *err);

/* Frees what podrun_launch_parse allocated for POD (the file's buffer, every array) and POD itself,
   which must come from malloc.  Only for a parse whose strings were never substituted: the
   monitor's replacement definitions (a re-apply), never its own pod.  */
void podrun_launch_free (struct podrun_pod *pod);

/* Replaces every TOKEN in the strings that may hold a pod address (each container's env, argv,
   handler hosts and bind subpaths) by VALUE.  New strings are malloc'd and live as long as the
   monitor.  -1 with ERR on ENOMEM.  */
int podrun_launch_substitute (struct podrun_pod *pod, const char *token, const char *value, podrun_err_t *err);

/* Writes POD back as directives, one per line with tab-separated arguments, in the order the
   encoder writes them: `podrun-helper check-launch FILE` prints this, so a test can prove that
   every directive the TypeScript encoder writes is accepted and read back unchanged.  */
void podrun_launch_dump (const struct podrun_pod *pod, int fd);

#endif
