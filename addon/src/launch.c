/* Launch file parser.  The TypeScript planner already validated everything; this re-validates
   anyway (bubblewrap's privileged_op does the same) so that a bug there becomes a clear
   `validate EINVAL` instead of a mount in the wrong place.  */
#include "launch.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include "identity.h"
#include "protocol.h"

#include <stdio.h>
#include <string.h>

#define MAX_LAUNCH_SIZE (4 << 20)
#define MAX_VALUE 4095
#define MAX_TMPFS_SIZE (1ULL << 40)

struct cursor
{
  char *p, *end;
};

static int
invalid (podrun_err_t *err, const char *directive, const char *value)
{
  return podrun_fail (err, EINVAL, "validate", directive, value);
}

/* Next NUL-terminated string, or NULL at end of file.  */
static char *
next_string (struct cursor *c)
{
  char *s = c->p, *nul;
  if (c->p >= c->end)
    return NULL;
  nul = memchr (c->p, '\0', (size_t) (c->end - c->p));
  if (nul == NULL)
    return NULL;
  c->p = nul + 1;
  return s;
}

static int
valid_abs_path (const char *s)
{
  const char *p;
  size_t len = strlen (s);
  if (len == 0 || len > MAX_VALUE || s[0] != '/')
    return 0;
  for (p = s; *p; p++)
    if (*p == '\n')
      return 0;
  for (p = s; (p = strstr (p, "..")) != NULL; p += 2)
    if ((p == s || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
      return 0;
  /* Clean paths only: `//` and `.` components would let `/./proc` past the prefix checks.  */
  if (strstr (s, "//") != NULL)
    return 0;
  for (p = s; (p = strchr (p, '.')) != NULL; p++)
    if (p[-1] == '/' && (p[1] == '\0' || p[1] == '/'))
      return 0;
  return 1;
}

static int
valid_rel_path (const char *s)
{
  char tmp[MAX_VALUE + 2];
  if (s[0] == '/' || s[0] == '\0' || strlen (s) > MAX_VALUE)
    return 0;
  snprintf (tmp, sizeof tmp, "/%s", s);
  return valid_abs_path (tmp);
}

/* A mount destination may not be, or be under, /proc or /sys (CVE-2019-16884 class).  */
static int
valid_dest (const char *s)
{
  static const char *const forbidden[] = { "/proc", "/sys" };
  size_t i;
  if (!valid_abs_path (s) || strcmp (s, "/") == 0)
    return 0;
  for (i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++)
    {
      size_t n = strlen (forbidden[i]);
      if (strncmp (s, forbidden[i], n) == 0 && (s[n] == '\0' || s[n] == '/'))
        return 0;
    }
  return 1;
}

/* A masked or read-only path: strictly below /proc or /sys, where the helper mounts those.  */
static int
valid_proc_sys_path (const char *s)
{
  return valid_abs_path (s) && ((strncmp (s, "/proc/", 6) == 0 && s[6]) || (strncmp (s, "/sys/", 5) == 0 && s[5]));
}

/* A device node: strictly below /dev, but not in /dev/pts or /dev/shm, which the helper mounts.  */
static int
valid_device_path (const char *s)
{
  return valid_abs_path (s) && strncmp (s, "/dev/", 5) == 0 && s[5] && strncmp (s, "/dev/pts", 8) != 0
         && strncmp (s, "/dev/shm", 8) != 0;
}

static int
valid_name (const char *s)
{
  size_t n = strlen (s), i;
  if (n == 0 || n > 253)
    return 0;
  for (i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' || s[i] == '.'))
      return 0;
  return 1;
}

static int
parse_bool (const char *s, int *out)
{
  if (strcmp (s, "0") != 0 && strcmp (s, "1") != 0)
    return -1;
  *out = s[0] == '1';
  return 0;
}

static int
parse_groups (const char *s, struct podrun_container *c)
{
  const char *p = s;
  size_t n = 0;
  if (*s == '\0')
    return 0;
  for (p = s; *p; p++)
    if (*p == ',')
      n++;
  c->groups = calloc (n + 1, sizeof (gid_t));
  if (c->groups == NULL)
    return -1;
  for (p = s;;)
    {
      char buf[16];
      const char *comma = strchr (p, ',');
      size_t len = comma ? (size_t) (comma - p) : strlen (p);
      unsigned long long v;
      if (len == 0 || len >= sizeof buf)
        return -1;
      memcpy (buf, p, len);
      buf[len] = '\0';
      if (podrun_parse_ull (buf, 0x7fffffff, &v) < 0)
        return -1;
      c->groups[c->n_groups++] = (gid_t) v;
      if (!comma)
        break;
      p = comma + 1;
    }
  return 0;
}

/* `all`, `none`, or comma-separated capability numbers (0..63).  */
static int
parse_caps (const char *s, uint64_t *out)
{
  const char *p = s;
  if (strcmp (s, "all") == 0)
    {
      *out = ~0ULL;
      return 0;
    }
  *out = 0;
  if (strcmp (s, "none") == 0)
    return 0;
  for (;;)
    {
      char *end;
      unsigned long v;
      if (*p < '0' || *p > '9')
        return -1;
      v = strtoul (p, &end, 10);
      if (v > 63 || (*end != ',' && *end != '\0'))
        return -1;
      *out |= 1ULL << v;
      if (*end == '\0')
        return 0;
      p = end + 1;
    }
}

/* Grows *ARR (of ELEM bytes) to hold N+2 entries: room for one more plus a NULL terminator.  */
static int
grow (void **arr, size_t n, size_t elem)
{
  void *p = realloc (*arr, (n + 2) * elem);
  if (p == NULL)
    return -1;
  memset ((char *) p + n * elem, 0, 2 * elem);
  *arr = p;
  return 0;
}

static const struct directive
{
  const char *name;
  int nargs;
  int in_container; /* 1: only inside container..end, 0: only outside */
} directives[] = {
  { "key", 1, 0 },
  { "hostname", 1, 0 },
  { "ns", 2, 0 },
  { "poddir", 1, 0 },
  { "shm", 2, 0 },
  { "tmpfs", 4, 0 },
  { "hugetlbfs", 4, 0 },
  { "container", 1, 0 },
  { "lower", 1, 1 },
  { "upper", 1, 1 },
  { "work", 1, 1 },
  { "rootfs", 1, 1 },
  { "log", 1, 1 },
  { "state", 1, 1 },
  { "bind", 4, 1 },
  { "bindsub", 5, 1 },
  { "cwd", 1, 1 },
  { "user", 3, 1 },
  { "env", 1, 1 },
  { "arg", 1, 1 },
  { "stdin", 1, 1 },
  { "tty", 1, 1 },
  { "stdinonce", 1, 1 },
  { "caps", 1, 1 },
  { "devsize", 1, 1 },
  { "device", 4, 1 },
  { "maskpath", 1, 1 },
  { "readonlypath", 1, 1 },
  { "end", 0, 1 },
  { "denyhostpath", 1, 0 },
  { "denydevicepath", 1, 0 },
  { "readonlyroot", 1, 1 },
  { "sysfs", 1, 1 },
  { "sysctl", 2, 0 },
  { "hostbind", 5, 1 },
  { "hostbindsub", 6, 1 },
  { "nonewprivs", 1, 1 },
  { "seccomp", 1, 1 },
  { "userns", 2, 0 },
  { "cgroup", 1, 1 },
  { "oomevents", 1, 1 },
  { "cgroupns", 0, 1 },
  { "storagelimit", 2, 1 },
  { "storagecheck", 1, 0 },
  { "emptydir", 4, 0 },
  { "podstoragelimit", 2, 0 },
  { "cgroupview", 2, 1 },
  { "pauseseccomp", 1, 0 },
  { "pausecgroup", 1, 0 },
  { "apparmor", 1, 1 },
  { "configerror", 1, 1 },
  /* Supervision (protocol 8): the pod's, then each container's.  */
  { "restartpolicy", 1, 0 },
  { "grace", 1, 0 },
  { "mingrace", 1, 0 },
  { "backoff", 3, 0 },
  { "netgate", 2, 0 },
  { "notify", 1, 0 },
  { "hostport", 3, 0 },
  { "kind", 1, 1 },
  { "restart", 1, 1 },
  { "stopsignal", 1, 1 },
  { "termination", 2, 1 },
  { "probe", 7, 1 },
  { "execarg", 2, 1 },
  { "httpget", 5, 1 },
  { "httpheader", 3, 1 },
  { "tcpsocket", 3, 1 },
  { "grpc", 4, 1 },
  { "sleep", 2, 1 },
};

/* The longest duration a supervision directive carries: 2^53 ms, what the plan's numbers hold.  */
#define SV_MAX_MS (1ULL << 53)

static const char *const policies[] = { "Always", "OnFailure", "Never" };
static const char *const kinds[] = { "init", "sidecar", "app" };
/* Handler owners, by podrun_handler index: the probes (enum sv_probe_kind), then the hooks.  */
static const char *const owners[] = { "startup", "liveness", "readiness", "postStart", "preStop" };

static int
lookup (const char *const *table, size_t n, const char *s)
{
  size_t i;
  for (i = 0; i < n; i++)
    if (strcmp (table[i], s) == 0)
      return (int) i;
  return -1;
}

#define LOOKUP(table, s) lookup (table, sizeof table / sizeof table[0], s)

/* BYTES TEXT of an ephemeral storage limit (storage.h): once, positive, its text short.  */
static int
parse_storage_limit (char **a, unsigned long long *bytes, const char **text)
{
  unsigned long long v;
  if (*bytes || podrun_parse_ull (a[0], ~0ULL >> 1, &v) < 0 || v == 0 || !a[1][0] || strlen (a[1]) > 64)
    return -1;
  *bytes = v;
  *text = a[1];
  return 0;
}

static int
parse_ms (const char *s, sv_ms *out)
{
  unsigned long long v;
  if (podrun_parse_ull (s, SV_MAX_MS, &v) < 0)
    return -1;
  *out = (sv_ms) v;
  return 0;
}

/* A host the monitor connects to: an IPv4 or IPv6 address or a host name, nothing that could end a
   request line.  */
static int
valid_host (const char *s)
{
  size_t n = strlen (s), i;
  if (n == 0 || n > 253)
    return 0;
  for (i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'
          || s[i] == '.' || s[i] == ':'))
      return 0;
  return 1;
}

/* A printable value on one line (a header value may hold tabs); SPACE: spaces allowed.  */
static int
valid_line (const char *s, int tab, int space)
{
  for (; *s; s++)
    if (((unsigned char) *s < 0x20 && !(tab && *s == '\t')) || *s == 0x7f || (!space && *s == ' '))
      return 0;
  return 1;
}

static int
valid_header_name (const char *s)
{
  if (!*s)
    return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-'))
      return 0;
  return 1;
}

static int
parse_port (const char *s, unsigned *out)
{
  unsigned long long v;
  if (podrun_parse_ull (s, 65535, &v) < 0 || v == 0)
    return -1;
  *out = (unsigned) v;
  return 0;
}

/* The handler of OWNER for a directive of TYPE: a probe's only after its `probe`, one type per
   owner; NULL when the directive does not fit.  */
static struct podrun_handler *
handler_for (struct podrun_container *c, const char *owner, enum podrun_handler_type type)
{
  int o = LOOKUP (owners, owner);
  struct podrun_handler *h;
  if (o < 0 || (o < SV_N_PROBES && !c->sv.probes[o].present))
    return NULL;
  /* Probes have no sleep, hooks no grpc (Kubernetes' ProbeHandler and LifecycleHandler).  */
  if ((type == PODRUN_HANDLER_SLEEP && o < SV_N_PROBES) || (type == PODRUN_HANDLER_GRPC && o >= SV_N_PROBES))
    return NULL;
  h = &c->handlers[o];
  if (h->type != PODRUN_HANDLER_NONE && !(h->type == type && type == PODRUN_HANDLER_EXEC))
    return NULL;
  h->type = type;
  return h;
}

static int
apply_supervision_directive (struct podrun_container *c, const char *d, char **a, podrun_err_t *err)
{
  struct podrun_handler *h;
  unsigned long long v;
  int i;
  if (strcmp (d, "kind") == 0)
    {
      if ((i = LOOKUP (kinds, a[0])) < 0 || c->have_kind)
        return invalid (err, d, a[0]);
      c->sv.kind = (enum sv_kind) i;
      c->have_kind = 1;
    }
  else if (strcmp (d, "restart") == 0)
    {
      if ((i = LOOKUP (policies, a[0])) < 0 || c->have_restart)
        return invalid (err, d, a[0]);
      c->sv.restart = (enum sv_policy) i;
      c->have_restart = 1;
    }
  else if (strcmp (d, "stopsignal") == 0)
    {
      if (podrun_parse_ull (a[0], 64, &v) < 0 || v == 0 || c->sv.stop_signal)
        return invalid (err, d, a[0]);
      c->sv.stop_signal = (int) v;
    }
  else if (strcmp (d, "termination") == 0)
    {
      if (!valid_dest (a[0]) || c->termination_path)
        return invalid (err, d, a[0]);
      if (strcmp (a[1], "File") != 0 && strcmp (a[1], "FallbackToLogsOnError") != 0)
        return invalid (err, d, a[1]);
      c->termination_path = a[0];
      c->termination_fallback = strcmp (a[1], "FallbackToLogsOnError") == 0;
    }
  else if (strcmp (d, "probe") == 0)
    {
      /* KIND DELAY PERIOD TIMEOUT SUCCESS FAILURE GRACE (ms; thresholds counts; GRACE `-`: the pod's).
         What the numbers may be is sv_init's to say.  */
      struct sv_probe_config *p;
      unsigned long long success, failure;
      if ((i = LOOKUP (owners, a[0])) < 0 || i >= SV_N_PROBES || c->sv.probes[i].present)
        return invalid (err, d, a[0]);
      p = &c->sv.probes[i];
      if (parse_ms (a[1], &p->delay) < 0 || parse_ms (a[2], &p->period) < 0 || parse_ms (a[3], &p->timeout) < 0)
        return invalid (err, d, a[0]);
      if (podrun_parse_ull (a[4], 0x7fffffff, &success) < 0 || podrun_parse_ull (a[5], 0x7fffffff, &failure) < 0)
        return invalid (err, d, a[0]);
      p->success = (int) success;
      p->failure = (int) failure;
      if (strcmp (a[6], "-") == 0)
        p->grace = SV_NEVER;
      else if (parse_ms (a[6], &p->grace) < 0)
        return invalid (err, d, a[6]);
      p->present = 1;
    }
  else if (strcmp (d, "execarg") == 0)
    {
      if ((h = handler_for (c, a[0], PODRUN_HANDLER_EXEC)) == NULL)
        return invalid (err, d, a[0]);
      if ((h->n_argv == 0 && a[1][0] == '\0') || strlen (a[1]) > 131071)
        return invalid (err, d, a[1]);
      if (grow ((void **) &h->argv, h->n_argv, sizeof *h->argv) < 0)
        return podrun_fail (err, errno, "validate", "realloc", NULL);
      h->argv[h->n_argv++] = a[1];
    }
  else if (strcmp (d, "httpget") == 0)
    {
      /* OWNER SCHEME HOST PORT PATH */
      if ((h = handler_for (c, a[0], PODRUN_HANDLER_HTTP_GET)) == NULL)
        return invalid (err, d, a[0]);
      if (strcmp (a[1], "HTTP") != 0 && strcmp (a[1], "HTTPS") != 0)
        return invalid (err, d, a[1]);
      if (!valid_host (a[2]))
        return invalid (err, d, a[2]);
      if (parse_port (a[3], &h->port) < 0)
        return invalid (err, d, a[3]);
      if (a[4][0] != '/' || !valid_line (a[4], 0, 0))
        return invalid (err, d, a[4]);
      h->https = a[1][4] == 'S';
      h->host = a[2];
      h->path = a[4];
    }
  else if (strcmp (d, "httpheader") == 0)
    {
      int o = LOOKUP (owners, a[0]);
      if (o < 0 || c->handlers[o].type != PODRUN_HANDLER_HTTP_GET)
        return invalid (err, d, a[0]);
      h = &c->handlers[o];
      if (!valid_header_name (a[1]) || !valid_line (a[2], 1, 1) || h->n_headers >= 256)
        return invalid (err, d, a[1]);
      if (grow ((void **) &h->headers, h->n_headers, sizeof *h->headers) < 0)
        return podrun_fail (err, errno, "validate", "realloc", NULL);
      h->headers[h->n_headers].name = a[1];
      h->headers[h->n_headers++].value = a[2];
    }
  else if (strcmp (d, "tcpsocket") == 0 || strcmp (d, "grpc") == 0)
    {
      /* OWNER HOST PORT [SERVICE] */
      int grpc = d[0] == 'g';
      if ((h = handler_for (c, a[0], grpc ? PODRUN_HANDLER_GRPC : PODRUN_HANDLER_TCP_SOCKET)) == NULL)
        return invalid (err, d, a[0]);
      if (!valid_host (a[1]))
        return invalid (err, d, a[1]);
      if (parse_port (a[2], &h->port) < 0)
        return invalid (err, d, a[2]);
      if (grpc && !valid_line (a[3], 0, 1))
        return invalid (err, d, a[3]);
      h->host = a[1];
      h->service = grpc ? a[3] : NULL;
    }
  else if (strcmp (d, "sleep") == 0)
    {
      if ((h = handler_for (c, a[0], PODRUN_HANDLER_SLEEP)) == NULL)
        return invalid (err, d, a[0]);
      if (parse_ms (a[1], &h->sleep) < 0)
        return invalid (err, d, a[1]);
    }
  else
    return 1;
  return 0;
}

/* After the whole file: a pod with supervision directives has all of them, every container its
   own, and sv_init accepts the config they make (SV_CONTAINERS and MACHINE are built here); a
   pod without has none.  */
static int
check_supervision (struct podrun_pod *pod, const char *file, podrun_err_t *err)
{
  size_t i, n = pod->n_containers;
  const char *why;
  if (!pod->supervise)
    {
      for (i = 0; i < n; i++)
        {
          const struct podrun_container *c = &pod->containers[i];
          int k, any = c->have_kind || c->have_restart || c->sv.stop_signal || c->termination_path;
          for (k = 0; k < PODRUN_N_HANDLERS; k++)
            any |= c->handlers[k].type != PODRUN_HANDLER_NONE || (k < SV_N_PROBES && c->sv.probes[k].present);
          if (any)
            return invalid (err, "restartpolicy", file);
        }
      return pod->have_grace || pod->have_min_grace || pod->have_backoff ? invalid (err, "restartpolicy", file) : 0;
    }
  if (!pod->have_grace || !pod->have_min_grace || !pod->have_backoff)
    return invalid (err, !pod->have_grace ? "grace" : !pod->have_min_grace ? "mingrace" : "backoff", file);
  if (n == 0)
    return 0; /* every container was refused before start: nothing to supervise */
  pod->sv_containers = calloc (n, sizeof *pod->sv_containers);
  pod->machine = malloc (sv_machine_size (n));
  if (!pod->sv_containers || !pod->machine)
    return podrun_fail (err, ENOMEM, "validate", "malloc", NULL);
  for (i = 0; i < n; i++)
    {
      struct podrun_container *c = &pod->containers[i];
      if (!c->have_kind || !c->have_restart || !c->sv.stop_signal || !c->termination_path)
        return invalid (err,
                        !c->have_kind        ? "kind"
                        : !c->have_restart   ? "restart"
                        : !c->sv.stop_signal ? "stopsignal"
                                             : "termination",
                        c->name);
      c->sv.post_start = c->handlers[PODRUN_HANDLER_POST_START].type != PODRUN_HANDLER_NONE;
      c->sv.pre_stop = c->handlers[PODRUN_HANDLER_PRE_STOP].type != PODRUN_HANDLER_NONE;
      pod->sv_containers[i] = c->sv;
    }
  pod->sv.containers = pod->sv_containers;
  pod->sv.n_containers = n;
  if (sv_init (pod->machine, &pod->sv, &why) < 0)
    return invalid (err, "supervise", why);
  return 0;
}

static const char *const host_types[] = { "", "any", "Directory", "File", "Socket", "CharDevice", "BlockDevice" };

static int
check_container (struct podrun_container *c, podrun_err_t *err)
{
  int k;
  if (!c->n_lowers)
    return invalid (err, "lower", c->name);
  if (!c->upper || !c->work || !c->rootfs || !c->log || !c->state)
    return invalid (err, "container", c->name);
  if (!c->n_argv)
    return invalid (err, "arg", c->name);
  /* Policy is the plan's: no defaults here.  */
  if (!c->have_caps)
    return invalid (err, "caps", c->name);
  if (!c->dev_size)
    return invalid (err, "devsize", c->name);
  if (!c->have_nonewprivs)
    return invalid (err, "nonewprivs", c->name);
  /* A probe needs its handler; an httpGet, tcpSocket or grpc one its host (an execarg-less exec
     cannot be: the first one makes it).  */
  for (k = 0; k < PODRUN_N_HANDLERS; k++)
    {
      const struct podrun_handler *h = &c->handlers[k];
      if ((k < SV_N_PROBES && c->sv.probes[k].present && h->type == PODRUN_HANDLER_NONE)
          || ((h->type == PODRUN_HANDLER_HTTP_GET || h->type == PODRUN_HANDLER_TCP_SOCKET
               || h->type == PODRUN_HANDLER_GRPC)
              && !h->host))
        return invalid (err, k < SV_N_PROBES ? "probe" : "handler", owners[k]);
    }
  if (!c->cwd)
    c->cwd = "/";
  return 0;
}

static int
valid_token (const char *t)
{
  size_t i, n = strlen (t);
  if (n < 8 || n > 128)
    return 0;
  for (i = 0; i < n; i++)
    if (t[i] <= ' ' || t[i] > '~')
      return 0;
  return 1;
}

static int
apply_pod_directive (struct podrun_pod *pod, const char *d, char **a, podrun_err_t *err)
{
  unsigned long long v;
  if (strcmp (d, "key") == 0)
    {
      if (!valid_name (a[0]))
        return invalid (err, d, a[0]);
      pod->key = a[0];
    }
  else if (strcmp (d, "netgate") == 0)
    {
      /* Two distinct stand-ins, neither inside the other, of printable ASCII.  */
      if (!valid_token (a[0]) || !valid_token (a[1]) || strstr (a[0], a[1]) || strstr (a[1], a[0]))
        return invalid (err, d, a[0]);
      pod->netgate_ip = a[0];
      pod->netgate_ips = a[1];
    }
  else if (strcmp (d, "hostport") == 0)
    {
      struct podrun_hostport *h;
      unsigned char bin[16];
      int proto = strcmp (a[0], "tcp") == 0    ? IPPROTO_TCP
                  : strcmp (a[0], "udp") == 0  ? IPPROTO_UDP
                  : strcmp (a[0], "sctp") == 0 ? IPPROTO_SCTP
                                               : -1;
      if (proto < 0)
        return invalid (err, d, a[0]);
      if (strcmp (a[1], "-") != 0 && inet_pton (AF_INET, a[1], bin) != 1 && inet_pton (AF_INET6, a[1], bin) != 1)
        return invalid (err, d, a[1]);
      if (podrun_parse_ull (a[2], 65535, &v) < 0 || v == 0)
        return invalid (err, d, a[2]);
      if (pod->n_hostports >= 1024 || grow ((void **) &pod->hostports, pod->n_hostports, sizeof *pod->hostports) < 0)
        return invalid (err, d, a[2]);
      h = &pod->hostports[pod->n_hostports++];
      h->proto = proto;
      h->proto_name = a[0];
      h->addr = strcmp (a[1], "-") == 0 ? NULL : a[1];
      h->port = (unsigned) v;
    }
  else if (strcmp (d, "notify") == 0)
    {
      /* The program first (absolute), then its arguments; at most 32.  */
      if ((pod->n_notify == 0 && a[0][0] != '/') || strlen (a[0]) > 4096 || pod->n_notify >= 32
          || grow ((void **) &pod->notify_argv, pod->n_notify, sizeof *pod->notify_argv) < 0)
        return invalid (err, d, a[0]);
      pod->notify_argv[pod->n_notify++] = a[0];
    }
  else if (strcmp (d, "hostname") == 0)
    {
      if (strlen (a[0]) == 0 || strlen (a[0]) > 64)
        return invalid (err, d, a[0]);
      pod->hostname = a[0];
    }
  else if (strcmp (d, "ns") == 0)
    {
      enum podrun_ns_mode m;
      int is_pid = strcmp (a[0], "pid") == 0;
      if (strcmp (a[1], "pod") == 0)
        m = PODRUN_NS_POD;
      else if (strcmp (a[1], "host") == 0)
        m = PODRUN_NS_HOST;
      else if (is_pid && strcmp (a[1], "container") == 0)
        m = PODRUN_NS_CONTAINER;
      else
        return invalid (err, d, a[1]);
      if (strcmp (a[0], "net") == 0)
        pod->net = m;
      else if (strcmp (a[0], "ipc") == 0)
        pod->ipc = m;
      else if (strcmp (a[0], "uts") == 0)
        pod->uts = m;
      else if (is_pid)
        pod->pid = m;
      else
        return invalid (err, d, a[0]);
    }
  else if (strcmp (d, "poddir") == 0)
    {
      if (!valid_abs_path (a[0]))
        return invalid (err, d, a[0]);
      pod->poddir = a[0];
    }
  else if (strcmp (d, "pauseseccomp") == 0)
    {
      if (!valid_abs_path (a[0]))
        return invalid (err, d, a[0]);
      pod->pause_seccomp = a[0];
    }
  else if (strcmp (d, "pausecgroup") == 0)
    {
      if (!valid_abs_path (a[0]) || strcmp (a[0], "/") == 0 || pod->n_pause_cgroups >= 16
          || grow ((void **) &pod->pause_cgroups, pod->n_pause_cgroups, sizeof *pod->pause_cgroups) < 0)
        return invalid (err, d, a[0]);
      pod->pause_cgroups[pod->n_pause_cgroups++] = a[0];
    }
  else if (strcmp (d, "shm") == 0)
    {
      if (!valid_abs_path (a[0]) || podrun_parse_ull (a[1], MAX_TMPFS_SIZE, &v) < 0 || v == 0)
        return invalid (err, d, a[0]);
      pod->shm_dir = a[0];
      pod->shm_size = v;
    }
  else if (strcmp (d, "denyhostpath") == 0 || strcmp (d, "denydevicepath") == 0)
    {
      int dev = d[4] == 'd';
      const char ***arr = dev ? &pod->denied_devices : &pod->denied;
      size_t *n = dev ? &pod->n_denied_devices : &pod->n_denied;
      if (!valid_abs_path (a[0]) || *n >= 256 || grow ((void **) arr, *n, sizeof **arr) < 0)
        return invalid (err, d, a[0]);
      (*arr)[(*n)++] = a[0];
    }
  else if (strcmp (d, "restartpolicy") == 0)
    {
      int i = LOOKUP (policies, a[0]);
      if (i < 0 || pod->supervise)
        return invalid (err, d, a[0]);
      pod->sv.restart = (enum sv_policy) i;
      pod->supervise = 1;
    }
  else if (strcmp (d, "grace") == 0 || strcmp (d, "mingrace") == 0)
    {
      int min = d[0] == 'm';
      if ((min ? pod->have_min_grace : pod->have_grace)
          || parse_ms (a[0], min ? &pod->sv.min_grace : &pod->sv.grace) < 0)
        return invalid (err, d, a[0]);
      *(min ? &pod->have_min_grace : &pod->have_grace) = 1;
    }
  else if (strcmp (d, "backoff") == 0)
    {
      /* INITIAL MAX RESET, ms */
      if (pod->have_backoff || parse_ms (a[0], &pod->sv.backoff_initial) < 0
          || parse_ms (a[1], &pod->sv.backoff_max) < 0 || parse_ms (a[2], &pod->sv.backoff_reset) < 0)
        return invalid (err, d, a[0]);
      pod->have_backoff = 1;
    }
  else if (strcmp (d, "storagecheck") == 0)
    {
      if (pod->storage_check || parse_ms (a[0], &pod->storage_check) < 0 || pod->storage_check == 0)
        return invalid (err, d, a[0]);
    }
  else if (strcmp (d, "emptydir") == 0)
    {
      /* NAME DIR LIMIT TEXT (LIMIT 0: none) */
      unsigned long long v;
      struct podrun_emptydir_limit *e;
      if (!valid_name (a[0]) || !valid_abs_path (a[1]) || podrun_parse_ull (a[2], ~0ULL >> 1, &v) < 0
          || strlen (a[3]) > 64 || pod->n_emptydirs >= PODRUN_STORAGE_MAX_DIRS
          || grow ((void **) &pod->emptydirs, pod->n_emptydirs, sizeof *pod->emptydirs) < 0)
        return invalid (err, d, a[0]);
      e = &pod->emptydirs[pod->n_emptydirs++];
      e->name = a[0];
      e->dir = a[1];
      e->limit = v;
      e->text = a[3];
    }
  else if (strcmp (d, "podstoragelimit") == 0)
    {
      if (parse_storage_limit (a, &pod->storage_limit, &pod->storage_limit_text) < 0)
        return invalid (err, d, a[0]);
    }
  else if (strcmp (d, "sysctl") == 0)
    {
      /* net.ipv4.ip_local_port_range -> a path below /proc/sys; the value is one line  */
      const char *p;
      if (!*a[0] || strlen (a[0]) > 253 || a[0][0] == '.' || strstr (a[0], ".."))
        return invalid (err, d, a[0]);
      for (p = a[0]; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
          return invalid (err, d, a[0]);
      for (p = a[1]; *p; p++)
        if ((unsigned char) *p < 0x20 || *p == 0x7f)
          return invalid (err, d, a[1]);
      if (pod->n_sysctls >= 64 || grow ((void **) &pod->sysctls, pod->n_sysctls, sizeof *pod->sysctls) < 0)
        return invalid (err, d, a[0]);
      pod->sysctls[pod->n_sysctls].name = a[0];
      pod->sysctls[pod->n_sysctls++].value = a[1];
    }
  else if (strcmp (d, "userns") == 0)
    {
      /* Host root (0) is never mapped, and the last id must stay below (uid_t) -1.  */
      unsigned long long len;
      if (podrun_parse_ull (a[0], 0xfffffffeULL, &v) < 0 || v == 0)
        return invalid (err, d, a[0]);
      if (podrun_parse_ull (a[1], 0xfffffffeULL, &len) < 0 || len == 0 || v + len > 0xffffffffULL)
        return invalid (err, d, a[1]);
      pod->userns_host = (unsigned long) v;
      pod->userns_len = (unsigned long) len;
    }
  else if (strcmp (d, "tmpfs") == 0 || strcmp (d, "hugetlbfs") == 0)
    {
      unsigned long long g;
      const char *m;
      int huge = d[0] == 'h';
      /* hugetlbfs: the page size, a power of two of at least 64 KiB (and at most 16 GiB).  */
      if (!valid_abs_path (a[0]) || podrun_parse_ull (a[1], huge ? 1ULL << 34 : MAX_TMPFS_SIZE, &v) < 0
          || (huge && (v < 65536 || (v & (v - 1)) != 0)))
        return invalid (err, d, a[0]);
      for (m = a[2]; *m >= '0' && *m <= '7'; m++)
        ;
      if (*m || strlen (a[2]) < 3 || strlen (a[2]) > 5)
        return invalid (err, d, a[2]);
      if (strcmp (a[3], "-") != 0 && podrun_parse_ull (a[3], 0x7fffffff, &g) < 0)
        return invalid (err, d, a[3]);
      if (grow ((void **) &pod->tmpfs, pod->n_tmpfs, sizeof *pod->tmpfs) < 0)
        return podrun_fail (err, errno, "validate", "realloc", NULL);
      pod->tmpfs[pod->n_tmpfs].dir = a[0];
      pod->tmpfs[pod->n_tmpfs].mode = a[2];
      pod->tmpfs[pod->n_tmpfs].gid = strcmp (a[3], "-") == 0 ? NULL : a[3];
      pod->tmpfs[pod->n_tmpfs].size = huge ? 0 : v;
      pod->tmpfs[pod->n_tmpfs++].pagesize = huge ? v : 0;
    }
  return 0;
}

static int
apply_container_directive (struct podrun_container *c, const char *d, char **a, podrun_err_t *err)
{
  unsigned long long v;
  int b;
  if (strcmp (d, "lower") == 0)
    {
      if (!valid_abs_path (a[0]) || strchr (a[0], ':') || strchr (a[0], ','))
        return invalid (err, d, a[0]);
      if (c->n_lowers >= PODRUN_MAX_LOWERS || grow ((void **) &c->lowers, c->n_lowers, sizeof *c->lowers) < 0)
        return invalid (err, d, a[0]);
      c->lowers[c->n_lowers++] = a[0];
    }
  else if (strcmp (d, "upper") == 0 || strcmp (d, "work") == 0 || strcmp (d, "rootfs") == 0 || strcmp (d, "log") == 0
           || strcmp (d, "state") == 0)
    {
      if (!valid_abs_path (a[0]) || ((d[0] == 'u' || d[0] == 'w') && (strchr (a[0], ':') || strchr (a[0], ','))))
        return invalid (err, d, a[0]);
      if (d[0] == 'u')
        c->upper = a[0];
      else if (d[0] == 'w')
        c->work = a[0];
      else if (d[0] == 'r')
        c->rootfs = a[0];
      else if (d[0] == 'l')
        c->log = a[0];
      else
        c->state = a[0];
    }
  else if (strcmp (d, "bind") == 0 || strcmp (d, "bindsub") == 0 || strcmp (d, "hostbind") == 0
           || strcmp (d, "hostbindsub") == 0)
    {
      int host = d[0] == 'h', sub = strcmp (d + (host ? 4 : 0), "bindsub") == 0;
      enum podrun_host_type type = PODRUN_HOST_NONE;
      struct podrun_bind *bd;
      char **rest = a + (sub ? 2 : 1);
      if (host)
        {
          size_t t;
          for (t = PODRUN_HOST_ANY; t < sizeof host_types / sizeof host_types[0]; t++)
            if (strcmp (rest[3], host_types[t]) == 0)
              type = (enum podrun_host_type) t;
          if (type == PODRUN_HOST_NONE)
            return invalid (err, d, rest[3]);
        }
      if (!valid_abs_path (a[0]) || (sub && !valid_rel_path (a[1])))
        return invalid (err, d, a[sub ? 1 : 0]);
      if (!valid_dest (rest[0]))
        return invalid (err, d, rest[0]);
      if ((strcmp (rest[1], "rw") != 0 && strcmp (rest[1], "ro") != 0)
          || (strcmp (rest[2], "dir") != 0 && strcmp (rest[2], "file") != 0))
        return invalid (err, d, rest[1]);
      if (grow ((void **) &c->binds, c->n_binds, sizeof *c->binds) < 0)
        return podrun_fail (err, errno, "validate", "realloc", NULL);
      bd = &c->binds[c->n_binds++];
      bd->source = a[0];
      bd->subpath = sub ? a[1] : NULL;
      bd->dest = rest[0];
      bd->readonly = strcmp (rest[1], "ro") == 0;
      bd->is_file = strcmp (rest[2], "file") == 0;
      bd->host = type;
    }
  else if (strcmp (d, "cwd") == 0)
    {
      if (!valid_abs_path (a[0]))
        return invalid (err, d, a[0]);
      c->cwd = a[0];
    }
  else if (strcmp (d, "user") == 0)
    {
      if (podrun_parse_ull (a[0], 0x7fffffff, &v) < 0)
        return invalid (err, d, a[0]);
      c->uid = (uid_t) v;
      if (podrun_parse_ull (a[1], 0x7fffffff, &v) < 0)
        return invalid (err, d, a[1]);
      c->gid = (gid_t) v;
      free (c->groups);
      c->groups = NULL;
      c->n_groups = 0;
      if (parse_groups (a[2], c) < 0)
        return invalid (err, d, a[2]);
    }
  else if (strcmp (d, "env") == 0)
    {
      const char *eq = strchr (a[0], '=');
      if (eq == NULL || eq == a[0] || strlen (a[0]) > 131071)
        return invalid (err, d, a[0]);
      if (grow ((void **) &c->env, c->n_env, sizeof *c->env) < 0)
        return podrun_fail (err, errno, "validate", "realloc", NULL);
      c->env[c->n_env++] = a[0];
    }
  else if (strcmp (d, "arg") == 0)
    {
      if ((c->n_argv == 0 && a[0][0] == '\0') || strlen (a[0]) > 131071)
        return invalid (err, d, a[0]);
      if (grow ((void **) &c->argv, c->n_argv, sizeof *c->argv) < 0)
        return podrun_fail (err, errno, "validate", "realloc", NULL);
      c->argv[c->n_argv++] = a[0];
    }
  else if (strcmp (d, "caps") == 0)
    {
      if (parse_caps (a[0], &c->caps) < 0)
        return invalid (err, d, a[0]);
      c->have_caps = 1;
    }
  else if (strcmp (d, "devsize") == 0)
    {
      if (podrun_parse_ull (a[0], MAX_TMPFS_SIZE, &v) < 0 || v == 0)
        return invalid (err, d, a[0]);
      c->dev_size = v;
    }
  else if (strcmp (d, "device") == 0)
    {
      unsigned long long major, minor;
      if (!valid_device_path (a[0]))
        return invalid (err, d, a[0]);
      if (strcmp (a[1], "c") != 0 && strcmp (a[1], "b") != 0)
        return invalid (err, d, a[1]);
      if (podrun_parse_ull (a[2], 0xfff, &major) < 0 || podrun_parse_ull (a[3], 0xfffff, &minor) < 0)
        return invalid (err, d, a[2]);
      if (c->n_devices >= 256 || grow ((void **) &c->devices, c->n_devices, sizeof *c->devices) < 0)
        return invalid (err, d, a[0]);
      c->devices[c->n_devices].path = a[0];
      c->devices[c->n_devices].block = a[1][0] == 'b';
      c->devices[c->n_devices].major = (unsigned) major;
      c->devices[c->n_devices++].minor = (unsigned) minor;
    }
  else if (strcmp (d, "maskpath") == 0 || strcmp (d, "readonlypath") == 0)
    {
      int masked = d[0] == 'm';
      const char ***arr = masked ? &c->masked : &c->readonly;
      size_t *n = masked ? &c->n_masked : &c->n_readonly;
      if (!valid_proc_sys_path (a[0]))
        return invalid (err, d, a[0]);
      if (*n >= 256 || grow ((void **) arr, *n, sizeof **arr) < 0)
        return invalid (err, d, a[0]);
      (*arr)[(*n)++] = a[0];
    }
  else if (strcmp (d, "readonlyroot") == 0)
    {
      if (parse_bool (a[0], &c->readonly_root) < 0)
        return invalid (err, d, a[0]);
    }
  else if (strcmp (d, "sysfs") == 0)
    {
      if (strcmp (a[0], "ro") != 0 && strcmp (a[0], "rw") != 0)
        return invalid (err, d, a[0]);
      c->writable_sysfs = a[0][1] == 'w';
    }
  else if (strcmp (d, "stdin") == 0 || strcmp (d, "tty") == 0 || strcmp (d, "nonewprivs") == 0
           || strcmp (d, "stdinonce") == 0)
    {
      if (parse_bool (a[0], &b) < 0)
        return invalid (err, d, a[0]);
      if (strcmp (d, "stdinonce") == 0)
        c->stdin_once = b;
      else if (d[0] == 's')
        c->stdin_open = b;
      else if (d[0] == 't')
        c->tty = b;
      else
        {
          c->nonewprivs = b;
          c->have_nonewprivs = 1;
        }
    }
  else if (strcmp (d, "seccomp") == 0)
    {
      if (!valid_abs_path (a[0]))
        return invalid (err, d, a[0]);
      c->seccomp = a[0];
    }
  else if (strcmp (d, "apparmor") == 0)
    {
      if (!podrun_valid_apparmor_profile (a[0]))
        return invalid (err, d, a[0]);
      c->apparmor = a[0];
    }
  else if (strcmp (d, "configerror") == 0)
    {
      if (c->config_error || !a[0][0] || strlen (a[0]) > 1024 || strpbrk (a[0], "\n\r"))
        return invalid (err, d, a[0]);
      c->config_error = a[0];
    }
  else if (strcmp (d, "cgroup") == 0)
    {
      if (!valid_abs_path (a[0]) || strcmp (a[0], "/") == 0 || c->n_cgroups >= 16
          || grow ((void **) &c->cgroups, c->n_cgroups, sizeof *c->cgroups) < 0)
        return invalid (err, d, a[0]);
      c->cgroups[c->n_cgroups++] = a[0];
    }
  else if (strcmp (d, "storagelimit") == 0)
    {
      if (parse_storage_limit (a, &c->storage_limit, &c->storage_limit_text) < 0)
        return invalid (err, d, a[0]);
    }
  else if (strcmp (d, "cgroupns") == 0)
    {
      if (c->cgroupns)
        return invalid (err, d, "");
      c->cgroupns = 1;
    }
  else if (strcmp (d, "cgroupview") == 0)
    {
      /* NAME is one path component ("" for the v2 root), DIR "-" for a cgroup2 mount or an
         absolute cgroup dir to bind; a v2 view at the root comes alone.  */
      int root = a[0][0] == '\0';
      if ((!root && (strchr (a[0], '/') || strcmp (a[0], ".") == 0 || strcmp (a[0], "..") == 0 || strlen (a[0]) > 64))
          || (strcmp (a[1], "-") != 0 && !valid_abs_path (a[1])) || (root && strcmp (a[1], "-") != 0)
          || c->n_cgroup_views >= 16 || (c->n_cgroup_views && (root || c->cgroup_views[0].name[0] == '\0'))
          || grow ((void **) &c->cgroup_views, c->n_cgroup_views, sizeof *c->cgroup_views) < 0)
        return invalid (err, d, a[0]);
      c->cgroup_views[c->n_cgroup_views].name = a[0];
      c->cgroup_views[c->n_cgroup_views++].dir = strcmp (a[1], "-") == 0 ? NULL : a[1];
    }
  else if (strcmp (d, "oomevents") == 0)
    {
      if (c->oom_events || !valid_abs_path (a[0]))
        return invalid (err, d, a[0]);
      c->oom_events = a[0];
    }
  return 0;
}

int
podrun_launch_parse (const char *file, struct podrun_pod *pod, podrun_err_t *err)
{
  struct cursor cur;
  size_t len;
  char *d;
  struct podrun_container *c = NULL;
  size_t i;

  memset (pod, 0, sizeof *pod);
  pod->pid = PODRUN_NS_CONTAINER;
  if (podrun_read_file (file, MAX_LAUNCH_SIZE, &pod->data, &len) < 0)
    return podrun_fail (err, errno, "validate", "open", file);
  if (len == 0 || pod->data[len - 1] != '\0')
    return invalid (err, "launch", file);
  cur.p = pod->data;
  cur.end = pod->data + len;

  d = next_string (&cur);
  if (d == NULL || strcmp (d, PODRUN_LAUNCH_MAGIC) != 0)
    return invalid (err, PODRUN_LAUNCH_MAGIC, file);

  while ((d = next_string (&cur)) != NULL)
    {
      const struct directive *dir = NULL;
      char *args[8];
      int k;
      for (i = 0; i < sizeof directives / sizeof directives[0]; i++)
        if (strcmp (directives[i].name, d) == 0)
          dir = &directives[i];
      if (dir == NULL)
        return invalid (err, "directive", d);
      for (k = 0; k < dir->nargs; k++)
        {
          args[k] = next_string (&cur);
          if (args[k] == NULL)
            return invalid (err, dir->name, file);
          if (strlen (args[k]) > MAX_VALUE && strcmp (d, "env") != 0 && strcmp (d, "arg") != 0
              && strcmp (d, "execarg") != 0)
            return invalid (err, dir->name, "(value longer than 4095 bytes)");
        }
      if (dir->in_container != (c != NULL) && strcmp (d, "container") != 0)
        return invalid (err, dir->name, "(directive outside its block)");
      if (strcmp (d, "container") == 0)
        {
          if (c != NULL || !valid_name (args[0]))
            return invalid (err, d, args[0]);
          for (i = 0; i < pod->n_containers; i++)
            if (strcmp (pod->containers[i].name, args[0]) == 0)
              return invalid (err, d, args[0]);
          if (grow ((void **) &pod->containers, pod->n_containers, sizeof *pod->containers) < 0)
            return podrun_fail (err, errno, "validate", "realloc", NULL);
          c = &pod->containers[pod->n_containers++];
          c->name = args[0];
          c->pidfd = c->stdin_fd = -1;
        }
      else if (strcmp (d, "end") == 0)
        {
          if (check_container (c, err) < 0)
            return -1;
          c = NULL;
        }
      else if (c)
        {
          int r = apply_supervision_directive (c, d, args, err);
          if (r < 0 || (r > 0 && apply_container_directive (c, d, args, err) < 0))
            return -1;
        }
      else if (apply_pod_directive (pod, d, args, err) < 0)
        return -1;
    }
  if (cur.p != cur.end || c != NULL)
    return invalid (err, "end", file);
  /* No container at all is a pod whose every container was refused before start (the sandbox
     runs, as the kubelet's does).  */
  if (!pod->key || !pod->poddir || !pod->pause_seccomp)
    return invalid (err, !pod->key ? "key" : !pod->poddir ? "poddir" : "pauseseccomp", file);
  /* The pod's user namespace owns its network, IPC and UTS namespaces: none may be the host's
     (Kubernetes forbids hostNetwork, hostIPC and hostPID with hostUsers: false).  */
  if (pod->userns_len
      && (pod->net != PODRUN_NS_POD || pod->ipc != PODRUN_NS_POD || pod->uts != PODRUN_NS_POD
          || pod->pid == PODRUN_NS_HOST))
    return invalid (err, "userns", "(a host namespace with a user namespace)");
  if (check_supervision (pod, file, err) < 0)
    return -1;
  if (pod->netgate_ip && pod->net != PODRUN_NS_POD)
    return invalid (err, "netgate", "(a network gate without the pod's network namespace)");
  if (!pod->hostname)
    pod->hostname = pod->key;
  return 0;
}

void
podrun_launch_free (struct podrun_pod *pod)
{
  size_t i, k;
  if (!pod)
    return;
  for (i = 0; i < pod->n_containers; i++)
    {
      struct podrun_container *c = &pod->containers[i];
      free (c->groups);
      free (c->lowers);
      free (c->binds);
      free (c->env);
      free (c->argv);
      free (c->devices);
      free (c->masked);
      free (c->readonly);
      free (c->cgroups);
      free (c->cgroup_views);
      for (k = 0; k < PODRUN_N_HANDLERS; k++)
        {
          free (c->handlers[k].argv);
          free (c->handlers[k].headers);
        }
    }
  free (pod->containers);
  free (pod->tmpfs);
  free (pod->denied);
  free (pod->denied_devices);
  free (pod->sysctls);
  free (pod->pause_cgroups);
  free (pod->emptydirs);
  free (pod->sv_containers);
  free (pod->machine);
  free (pod->notify_argv);
  free (pod->hostports);
  free (pod->data);
  free (pod);
}

/* S with every TOKEN replaced by VALUE: S itself when it has none, else a new string.  */
static int
substitute (const char **s, const char *token, const char *value)
{
  size_t tl = strlen (token), vl = strlen (value), n = 0, len;
  const char *p, *q;
  char *out, *o;
  if (*s == NULL || strstr (*s, token) == NULL)
    return 0;
  for (p = *s; (q = strstr (p, token)) != NULL; p = q + tl)
    n++;
  len = strlen (*s) - n * tl + n * vl;
  out = malloc (len + 1);
  if (out == NULL)
    return -1;
  for (o = out, p = *s; (q = strstr (p, token)) != NULL; p = q + tl)
    {
      memcpy (o, p, (size_t) (q - p));
      o += q - p;
      memcpy (o, value, vl);
      o += vl;
    }
  strcpy (o, p);
  *s = out;
  return 0;
}

int
podrun_launch_substitute (struct podrun_pod *pod, const char *token, const char *value, podrun_err_t *err)
{
  size_t i, j;
  for (i = 0; i < pod->n_containers; i++)
    {
      struct podrun_container *c = &pod->containers[i];
      int rc = 0;
      for (j = 0; j < c->n_env; j++)
        rc |= substitute ((const char **) &c->env[j], token, value);
      for (j = 0; j < c->n_argv; j++)
        rc |= substitute ((const char **) &c->argv[j], token, value);
      for (j = 0; j < PODRUN_N_HANDLERS; j++)
        rc |= substitute (&c->handlers[j].host, token, value);
      for (j = 0; j < c->n_binds; j++)
        rc |= substitute (&c->binds[j].subpath, token, value);
      if (rc)
        return podrun_fail (err, ENOMEM, "network", "malloc", NULL);
    }
  return 0;
}

/* ---------- dump (check-launch) ---------- */

struct dump
{
  int fd;
  char buf[8192];
  size_t len;
};

static void
dump_flush (struct dump *d)
{
  podrun_write_all (d->fd, d->buf, d->len);
  d->len = 0;
}

static void
dump_char (struct dump *d, char ch)
{
  if (d->len == sizeof d->buf)
    dump_flush (d);
  d->buf[d->len++] = ch;
}

/* Tab and newline separate fields and lines: escape them (and the escape character).  */
static void
dump_field (struct dump *d, const char *s)
{
  dump_char (d, '\t');
  for (; *s; s++)
    if (*s == '\\' || *s == '\t' || *s == '\n')
      {
        dump_char (d, '\\');
        dump_char (d, *s == '\t' ? 't' : *s == '\n' ? 'n' : '\\');
      }
    else
      dump_char (d, *s);
}

static void
dump_line (struct dump *d, const char *directive, const char *const *args, size_t n)
{
  size_t i;
  for (; *directive; directive++)
    dump_char (d, *directive);
  for (i = 0; i < n; i++)
    dump_field (d, args[i]);
  dump_char (d, '\n');
}

#define DUMP(d, name, ...)                                        \
  do                                                              \
    {                                                             \
      const char *const args_[] = { __VA_ARGS__ };                \
      dump_line (d, name, args_, sizeof args_ / sizeof args_[0]); \
    }                                                             \
  while (0)

static const char *
ns_name (enum podrun_ns_mode m)
{
  return m == PODRUN_NS_POD ? "pod" : m == PODRUN_NS_HOST ? "host" : "container";
}

static void
format_caps (uint64_t caps, char *out, size_t cap)
{
  int i;
  out[0] = '\0';
  if (caps == ~0ULL)
    {
      podrun_strlcat (out, cap, "all");
      return;
    }
  if (caps == 0)
    {
      podrun_strlcat (out, cap, "none");
      return;
    }
  for (i = 0; i < 64; i++)
    if (caps & (1ULL << i))
      {
        char num[24];
        podrun_fmt_ulong (num, (unsigned long long) i);
        if (out[0])
          podrun_strlcat (out, cap, ",");
        podrun_strlcat (out, cap, num);
      }
}

static void
fmt_ms (char *out, sv_ms v)
{
  if (v == SV_NEVER)
    {
      out[0] = '-';
      out[1] = '\0';
    }
  else
    podrun_fmt_ulong (out, (unsigned long long) v);
}

static void
dump_handler (struct dump *d, const char *owner, const struct podrun_handler *h)
{
  char a[32];
  size_t i;
  switch (h->type)
    {
    case PODRUN_HANDLER_EXEC:
      for (i = 0; i < h->n_argv; i++)
        DUMP (d, "execarg", owner, h->argv[i]);
      break;
    case PODRUN_HANDLER_HTTP_GET:
      podrun_fmt_ulong (a, h->port);
      DUMP (d, "httpget", owner, h->https ? "HTTPS" : "HTTP", h->host, a, h->path);
      for (i = 0; i < h->n_headers; i++)
        DUMP (d, "httpheader", owner, h->headers[i].name, h->headers[i].value);
      break;
    case PODRUN_HANDLER_TCP_SOCKET:
      podrun_fmt_ulong (a, h->port);
      DUMP (d, "tcpsocket", owner, h->host, a);
      break;
    case PODRUN_HANDLER_GRPC:
      podrun_fmt_ulong (a, h->port);
      DUMP (d, "grpc", owner, h->host, a, h->service);
      break;
    case PODRUN_HANDLER_SLEEP:
      fmt_ms (a, h->sleep);
      DUMP (d, "sleep", owner, a);
      break;
    case PODRUN_HANDLER_NONE:
      break;
    }
}

/* A container's supervision directives, in the encoder's order.  */
static void
dump_supervision (struct dump *d, const struct podrun_container *c)
{
  char n[6][32];
  int k;
  DUMP (d, "kind", kinds[c->sv.kind]);
  DUMP (d, "restart", policies[c->sv.restart]);
  podrun_fmt_ulong (n[0], (unsigned long long) c->sv.stop_signal);
  DUMP (d, "stopsignal", n[0]);
  DUMP (d, "termination", c->termination_path, c->termination_fallback ? "FallbackToLogsOnError" : "File");
  for (k = 0; k < SV_N_PROBES; k++)
    {
      const struct sv_probe_config *p = &c->sv.probes[k];
      if (!p->present)
        continue;
      fmt_ms (n[0], p->delay);
      fmt_ms (n[1], p->period);
      fmt_ms (n[2], p->timeout);
      podrun_fmt_ulong (n[3], (unsigned long long) p->success);
      podrun_fmt_ulong (n[4], (unsigned long long) p->failure);
      fmt_ms (n[5], p->grace);
      DUMP (d, "probe", owners[k], n[0], n[1], n[2], n[3], n[4], n[5]);
      dump_handler (d, owners[k], &c->handlers[k]);
    }
  for (k = SV_N_PROBES; k < PODRUN_N_HANDLERS; k++)
    dump_handler (d, owners[k], &c->handlers[k]);
}

void
podrun_launch_dump (const struct podrun_pod *pod, int fd)
{
  struct dump *d = calloc (1, sizeof *d);
  char a[32], b[32], list[4096];
  size_t i, j;
  if (d == NULL)
    return;
  d->fd = fd;
  dump_line (d, PODRUN_LAUNCH_MAGIC, NULL, 0);
  DUMP (d, "key", pod->key);
  DUMP (d, "hostname", pod->hostname);
  if (pod->netgate_ip)
    DUMP (d, "netgate", pod->netgate_ip, pod->netgate_ips);
  for (i = 0; i < pod->n_notify; i++)
    DUMP (d, "notify", pod->notify_argv[i]);
  for (i = 0; i < pod->n_hostports; i++)
    {
      podrun_fmt_ulong (a, pod->hostports[i].port);
      DUMP (d, "hostport", pod->hostports[i].proto_name, pod->hostports[i].addr ? pod->hostports[i].addr : "-", a);
    }
  DUMP (d, "ns", "net", ns_name (pod->net));
  DUMP (d, "ns", "ipc", ns_name (pod->ipc));
  DUMP (d, "ns", "uts", ns_name (pod->uts));
  DUMP (d, "ns", "pid", ns_name (pod->pid));
  DUMP (d, "poddir", pod->poddir);
  if (pod->userns_len)
    {
      podrun_fmt_ulong (a, pod->userns_host);
      podrun_fmt_ulong (b, pod->userns_len);
      DUMP (d, "userns", a, b);
    }
  for (i = 0; i < pod->n_denied; i++)
    DUMP (d, "denyhostpath", pod->denied[i]);
  for (i = 0; i < pod->n_denied_devices; i++)
    DUMP (d, "denydevicepath", pod->denied_devices[i]);
  if (pod->shm_dir)
    {
      podrun_fmt_ulong (a, pod->shm_size);
      DUMP (d, "shm", pod->shm_dir, a);
    }
  for (i = 0; i < pod->n_tmpfs; i++)
    {
      podrun_fmt_ulong (a, pod->tmpfs[i].pagesize ? pod->tmpfs[i].pagesize : pod->tmpfs[i].size);
      DUMP (d, pod->tmpfs[i].pagesize ? "hugetlbfs" : "tmpfs", pod->tmpfs[i].dir, a, pod->tmpfs[i].mode,
            pod->tmpfs[i].gid ? pod->tmpfs[i].gid : "-");
    }
  for (i = 0; i < pod->n_sysctls; i++)
    DUMP (d, "sysctl", pod->sysctls[i].name, pod->sysctls[i].value);
  DUMP (d, "pauseseccomp", pod->pause_seccomp);
  for (i = 0; i < pod->n_pause_cgroups; i++)
    DUMP (d, "pausecgroup", pod->pause_cgroups[i]);
  if (pod->supervise)
    {
      char c1[32], c2[32];
      DUMP (d, "restartpolicy", policies[pod->sv.restart]);
      fmt_ms (a, pod->sv.grace);
      DUMP (d, "grace", a);
      fmt_ms (a, pod->sv.min_grace);
      DUMP (d, "mingrace", a);
      fmt_ms (a, pod->sv.backoff_initial);
      fmt_ms (c1, pod->sv.backoff_max);
      fmt_ms (c2, pod->sv.backoff_reset);
      DUMP (d, "backoff", a, c1, c2);
    }
  if (pod->storage_check)
    {
      fmt_ms (a, pod->storage_check);
      DUMP (d, "storagecheck", a);
    }
  for (i = 0; i < pod->n_emptydirs; i++)
    {
      podrun_fmt_ulong (a, pod->emptydirs[i].limit);
      DUMP (d, "emptydir", pod->emptydirs[i].name, pod->emptydirs[i].dir, a, pod->emptydirs[i].text);
    }
  if (pod->storage_limit)
    {
      podrun_fmt_ulong (a, pod->storage_limit);
      DUMP (d, "podstoragelimit", a, pod->storage_limit_text);
    }
  for (i = 0; i < pod->n_containers; i++)
    {
      const struct podrun_container *c = &pod->containers[i];
      DUMP (d, "container", c->name);
      for (j = 0; j < c->n_lowers; j++)
        DUMP (d, "lower", c->lowers[j]);
      DUMP (d, "upper", c->upper);
      DUMP (d, "work", c->work);
      DUMP (d, "rootfs", c->rootfs);
      DUMP (d, "log", c->log);
      DUMP (d, "state", c->state);
      for (j = 0; j < c->n_cgroups; j++)
        DUMP (d, "cgroup", c->cgroups[j]);
      if (c->oom_events)
        DUMP (d, "oomevents", c->oom_events);
      if (c->storage_limit)
        {
          podrun_fmt_ulong (a, c->storage_limit);
          DUMP (d, "storagelimit", a, c->storage_limit_text);
        }
      if (c->cgroupns)
        dump_line (d, "cgroupns", NULL, 0);
      for (j = 0; j < c->n_cgroup_views; j++)
        DUMP (d, "cgroupview", c->cgroup_views[j].name, c->cgroup_views[j].dir ? c->cgroup_views[j].dir : "-");
      for (j = 0; j < c->n_binds; j++)
        {
          const struct podrun_bind *bd = &c->binds[j];
          const char *mode = bd->readonly ? "ro" : "rw", *kind = bd->is_file ? "file" : "dir";
          if (bd->host && bd->subpath)
            DUMP (d, "hostbindsub", bd->source, bd->subpath, bd->dest, mode, kind, host_types[bd->host]);
          else if (bd->host)
            DUMP (d, "hostbind", bd->source, bd->dest, mode, kind, host_types[bd->host]);
          else if (bd->subpath)
            DUMP (d, "bindsub", bd->source, bd->subpath, bd->dest, mode, kind);
          else
            DUMP (d, "bind", bd->source, bd->dest, mode, kind);
        }
      DUMP (d, "cwd", c->cwd);
      podrun_fmt_ulong (a, c->uid);
      podrun_fmt_ulong (b, c->gid);
      list[0] = '\0';
      for (j = 0; j < c->n_groups; j++)
        {
          char num[24];
          podrun_fmt_ulong (num, c->groups[j]);
          if (j)
            podrun_strlcat (list, sizeof list, ",");
          podrun_strlcat (list, sizeof list, num);
        }
      DUMP (d, "user", a, b, list);
      for (j = 0; j < c->n_env; j++)
        DUMP (d, "env", c->env[j]);
      for (j = 0; j < c->n_argv; j++)
        DUMP (d, "arg", c->argv[j]);
      DUMP (d, "stdin", c->stdin_open ? "1" : "0");
      DUMP (d, "tty", c->tty ? "1" : "0");
      if (c->stdin_once)
        DUMP (d, "stdinonce", "1");
      format_caps (c->caps, list, sizeof list);
      DUMP (d, "caps", list);
      podrun_fmt_ulong (a, c->dev_size);
      DUMP (d, "devsize", a);
      for (j = 0; j < c->n_devices; j++)
        {
          podrun_fmt_ulong (a, c->devices[j].major);
          podrun_fmt_ulong (b, c->devices[j].minor);
          DUMP (d, "device", c->devices[j].path, c->devices[j].block ? "b" : "c", a, b);
        }
      for (j = 0; j < c->n_masked; j++)
        DUMP (d, "maskpath", c->masked[j]);
      for (j = 0; j < c->n_readonly; j++)
        DUMP (d, "readonlypath", c->readonly[j]);
      DUMP (d, "readonlyroot", c->readonly_root ? "1" : "0");
      DUMP (d, "sysfs", c->writable_sysfs ? "rw" : "ro");
      DUMP (d, "nonewprivs", c->nonewprivs ? "1" : "0");
      if (c->seccomp)
        DUMP (d, "seccomp", c->seccomp);
      if (c->apparmor)
        DUMP (d, "apparmor", c->apparmor);
      if (c->config_error)
        DUMP (d, "configerror", c->config_error);
      if (pod->supervise)
        dump_supervision (d, c);
      dump_line (d, "end", NULL, 0);
    }
  dump_flush (d);
  free (d);
}
