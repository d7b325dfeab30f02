/* See hostpath.h.  */
#include "hostpath.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#define STEP "hostpath-create"

int
podrun_path_overlaps (const char *real, const char *dir)
{
  size_t r = strlen (real), d = strlen (dir);
  if (strcmp (real, "/") == 0 || strcmp (dir, "/") == 0)
    return 1;
  if (r >= d && strncmp (real, dir, d) == 0 && (real[d] == '\0' || real[d] == '/'))
    return 1;
  return d > r && strncmp (dir, real, r) == 0 && dir[r] == '/';
}

/* Kernel filesystems that reach past the host's files: a procfs (every host process's root and
   memory), sysfs, nsfs, bpffs, debugfs, tracefs, securityfs, efivarfs, cgroup v1 and v2 (a way
   out of the pod's cgroup, and to freeze or kill other pods; a mkdir there makes a cgroup),
   binfmt_misc (an interpreter that runs as host root), configfs, pstore, selinuxfs, fusectl.
   The deny list works on paths; these are refused wherever they are mounted.  */
static const struct
{
  const char *name;
  long magic;
} PSEUDO_FS[] = {
  { "proc", 0x9fa0 },
  { "sysfs", 0x62656572 },
  { "nsfs", 0x6e736673 },
  { "bpf", (long) 0xcafe4a11 },
  { "debugfs", 0x64626720 },
  { "tracefs", 0x74726163 },
  { "securityfs", 0x73636673 },
  { "efivarfs", (long) 0xde5e81e4 },
  { "cgroup", 0x27e0eb },
  { "cgroup2", 0x63677270 },
  { "binfmt_misc", 0x42494e4d },
  { "configfs", 0x62656570 },
  { "pstore", 0x6165676c },
  { "selinuxfs", (long) 0xf97cff8c },
  { "fusectl", 0x65735543 },
};

static int
pseudo_fs_magic (long magic)
{
  size_t i;
  for (i = 0; i < sizeof PSEUDO_FS / sizeof PSEUDO_FS[0]; i++)
    if ((magic & 0xffffffffL) == (PSEUDO_FS[i].magic & 0xffffffffL))
      return 1;
  return 0;
}

int
podrun_pseudo_fs_name (const char *name)
{
  size_t i;
  for (i = 0; i < sizeof PSEUDO_FS / sizeof PSEUDO_FS[0]; i++)
    if (strcmp (name, PSEUDO_FS[i].name) == 0)
      return 1;
  return 0;
}

int
podrun_check_host_fd (int fd, const char *below, const char *const *denied, size_t n_denied, const char *step,
                      const char *what, char *real, podrun_err_t *err)
{
  char link[64] = "/proc/self/fd/", full[PATH_MAX];
  const char *checked = real;
  struct statfs fs;
  ssize_t n;
  size_t i;

  podrun_fmt_ulong (link + strlen (link), (unsigned long long) fd);
  n = readlink (link, real, PATH_MAX - 1);
  if (n < 0)
    return podrun_fail (err, errno, step, "readlink", what);
  real[n] = '\0';
  /* an object removed meanwhile reads "PATH (deleted)": not a path to check, so not used */
  if (real[0] != '/' || strstr (real, " (deleted)") != NULL)
    return podrun_fail (err, ENOENT, step, "readlink", what);
  if (below != NULL && *below != '\0')
    {
      full[0] = '\0';
      if (podrun_strlcat (full, sizeof full, real) < 0
          || (strcmp (real, "/") != 0 && podrun_strlcat (full, sizeof full, "/") < 0)
          || podrun_strlcat (full, sizeof full, below) < 0)
        return podrun_fail (err, ENAMETOOLONG, step, "readlink", what);
      checked = full;
    }
  for (i = 0; i < n_denied; i++)
    if (podrun_path_overlaps (checked, denied[i]))
      return podrun_fail (err, EACCES, step, "hostpath", checked);
  if (fstatfs (fd, &fs) < 0)
    return podrun_fail (err, errno, step, "fstatfs", what);
  if (pseudo_fs_magic ((long) fs.f_type))
    return podrun_fail (err, EACCES, step, "hostpath-fs", real);
  return 0;
}

static void
set_id (struct podrun_host_id *id, const struct stat *st)
{
  id->dev = (uint64_t) st->st_dev;
  id->ino = (uint64_t) st->st_ino;
}

static int
is_id (const struct stat *st, const struct podrun_host_id *id)
{
  return (uint64_t) st->st_dev == id->dev && (uint64_t) st->st_ino == id->ino;
}

static int
fd_is (int fd, const struct podrun_host_id *id)
{
  struct stat st;
  return fstat (fd, &st) == 0 && is_id (&st, id);
}

/* Splits REST (a copy, in BUF) into NAME[]: its non-empty components.  Returns their number, or
   -1 for a "." or ".." (the path was not clean) or too many.  */
static ssize_t
split_names (const char *rest, char *buf, const char **name)
{
  size_t n = 0, len = strlen (rest);
  char *p = buf;
  if (len >= PATH_MAX)
    return -1;
  memcpy (buf, rest, len + 1);
  while (*p)
    {
      char *start;
      while (*p == '/')
        p++;
      if (!*p)
        break;
      start = p;
      while (*p && *p != '/')
        p++;
      if (*p)
        *p++ = '\0';
      if (strcmp (start, ".") == 0 || strcmp (start, "..") == 0 || n == PODRUN_CREATE_MAX)
        return -1;
      name[n++] = start;
    }
  return (ssize_t) n;
}

/* PREFIX and the missing components up to and including NAME[I], for errors.  */
static const char *
path_upto (const char *prefix, const char *const *name, size_t i, char *buf)
{
  size_t k;
  buf[0] = '\0';
  if (podrun_strlcat (buf, PATH_MAX, prefix) < 0)
    return prefix;
  for (k = 0; k <= i; k++)
    if ((strcmp (buf, "/") != 0 && podrun_strlcat (buf, PATH_MAX, "/") < 0)
        || podrun_strlcat (buf, PATH_MAX, name[k]) < 0)
      return prefix;
  return buf;
}

int
podrun_create_host_path (const char *path, int is_file, const char *const *denied, size_t n_denied,
                         struct podrun_created *out, podrun_err_t *err)
{
  char prefix[PATH_MAX], names[PATH_MAX], where[PATH_MAX];
  const char *name[PODRUN_CREATE_MAX];
  size_t len = strlen (path), cut = len, i;
  ssize_t n;
  cleanup_close int cur = -1;
  struct stat st;

  memset (out, 0, sizeof *out);
  if (path[0] != '/' || len >= PATH_MAX || split_names (path, names, name) < 0)
    return podrun_fail (err, EINVAL, "validate", STEP, path);

  /* The nearest existing ancestor, from the whole path upwards: each prefix opened as the kernel
     resolves it, symlinks followed (never a /proc magic link), so the ancestor is one object,
     whatever its path does afterwards.  */
  memcpy (prefix, path, len + 1);
  for (;;)
    {
      prefix[cut] = '\0';
      cur = podrun_openat2 (AT_FDCWD, cut ? prefix : "/", O_PATH | O_CLOEXEC, RESOLVE_NO_MAGICLINKS);
      if (cur >= 0)
        break;
      /* ENOTDIR: something on the way is not a directory; found and named below */
      if ((errno != ENOENT && errno != ENOTDIR) || cut == 0)
        return podrun_fail (err, errno, STEP, "openat2", cut ? prefix : "/");
      while (cut > 0 && prefix[cut - 1] != '/')
        cut--;
      while (cut > 0 && prefix[cut - 1] == '/')
        cut--;
    }
  if (cut == len)
    return 0;
  if (!cut)
    strcpy (prefix, "/");

  n = split_names (path + cut, names, name);
  if (n <= 0)
    return podrun_fail (err, EINVAL, "validate", STEP, path);
  /* FileOrCreate makes the file, not its directory (the kubelet's MakeFile neither).  */
  if (is_file && n > 1)
    return podrun_fail (err, ENOENT, STEP, "openat", path_upto (prefix, name, 0, where));
  if (fstat (cur, &st) < 0)
    return podrun_fail (err, errno, STEP, "fstat", prefix);
  if (!S_ISDIR (st.st_mode))
    return podrun_fail (err, ENOTDIR, STEP, "fstat", prefix);
  /* What is about to be made, NAME[] joined with single slashes, is what the deny list sees.  */
  for (i = 0; i < (size_t) n; i++)
    if ((i > 0 && podrun_strlcat (out->rest, sizeof out->rest, "/") < 0)
        || podrun_strlcat (out->rest, sizeof out->rest, name[i]) < 0)
      return podrun_fail (err, ENAMETOOLONG, "validate", STEP, path);
  if (podrun_check_host_fd (cur, out->rest, denied, n_denied, STEP, prefix, out->top, err) < 0)
    return -1;
  set_id (&out->top_id, &st);
  out->n = (size_t) n;

  /* Each missing component made relative to the directory open before it, and opened without
     following a symlink: one that appears meanwhile (a swap by whoever can write there) fails
     the call with ELOOP.  */
  for (i = 0; i < (size_t) n; i++)
    {
      int next, made;
      if (is_file && i + 1 == (size_t) n)
        {
          next = openat (cur, name[i], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0644);
          if (next < 0 && errno == EEXIST)
            {
              /* made meanwhile: what is there is checked where it is mounted; a symlink (one that
                 leads nowhere, which would make O_CREAT alone create its target) is refused */
              if (fstatat (cur, name[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK (st.st_mode))
                return podrun_fail (err, ELOOP, STEP, "openat", path_upto (prefix, name, i, where));
              return n;
            }
          if (next < 0)
            return podrun_fail (err, errno, STEP, "openat", path_upto (prefix, name, i, where));
          made = 1;
        }
      else
        {
          made = mkdirat (cur, name[i], 0755) == 0;
          if (!made && errno != EEXIST)
            return podrun_fail (err, errno, STEP, "mkdirat", path_upto (prefix, name, i, where));
          next = openat (cur, name[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (next < 0)
            {
              /* O_DIRECTORY answers ENOTDIR for a symlink: say what it is */
              int e = errno;
              if (e == ENOTDIR && fstatat (cur, name[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK (st.st_mode))
                e = ELOOP;
              return podrun_fail (err, e, STEP, "openat", path_upto (prefix, name, i, where));
            }
        }
      close (cur);
      cur = next;
      if (fstat (cur, &st) < 0)
        return podrun_fail (err, errno, STEP, "fstat", path_upto (prefix, name, i, where));
      set_id (&out->id[i], &st);
      out->made[i] = (unsigned char) made;
      out->reached = i + 1;
      /* the kubelet's modes (0755, 0644), exact whatever the umask of whoever runs podrun */
      if (made && fchmod (cur, is_file && i + 1 == (size_t) n ? 0644 : 0755) < 0)
        return podrun_fail (err, errno, STEP, "fchmod", path_upto (prefix, name, i, where));
    }
  return n;
}

size_t
podrun_remove_created (const struct podrun_created *c, int is_file)
{
  char names[PATH_MAX];
  const char *name[PODRUN_CREATE_MAX];
  ssize_t n = split_names (c->rest, names, name);
  size_t i, removed = 0;
  cleanup_close int cur = -1;

  if (n <= 0 || c->reached == 0 || c->reached > (size_t) n)
    return 0;
  /* Down to the directory holding the last component reached, each step one name without
     following a symlink and the very directory made (or found) then.  */
  cur = podrun_openat2 (AT_FDCWD, c->top, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                        RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
  if (cur < 0 || !fd_is (cur, &c->top_id))
    return 0;
  for (i = 0; i + 1 < c->reached; i++)
    {
      int next = openat (cur, name[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (next < 0)
        return 0;
      close (cur);
      cur = next;
      if (!fd_is (cur, &c->id[i]))
        return 0;
    }
  /* Then up, newest first, by a `..` that must be the directory expected.  */
  for (i = c->reached; i-- > 0;)
    {
      struct stat st;
      const struct podrun_host_id *parent = i >= 2 ? &c->id[i - 2] : &c->top_id;
      int file = is_file && i + 1 == (size_t) n, up;
      if (!c->made[i] || fstatat (cur, name[i], &st, AT_SYMLINK_NOFOLLOW) < 0 || !is_id (&st, &c->id[i]))
        break;
      if (file ? !S_ISREG (st.st_mode) || st.st_size != 0 || unlinkat (cur, name[i], 0) < 0
               : unlinkat (cur, name[i], AT_REMOVEDIR) < 0)
        break;
      removed++;
      if (i == 0)
        break;
      up = openat (cur, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (up < 0)
        break;
      close (cur);
      cur = up;
      if (!fd_is (cur, parent))
        break;
    }
  return removed;
}
