/* See mounts.h.  Mounts use the new mount API (fsopen/fsmount/open_tree/move_mount) so every
   target is an fd resolved inside the root with openat2, never a path string the container could
   race with a symlink (CVE-2021-30465).  */
#include "mounts.h"
#include "hostpath.h"
#include "userns.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/mount.h>
#include <stdio.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/sysmacros.h>

#define MNT_NOSUID_NODEV_NOEXEC (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

/* Options are key/value pairs ending with NULL; a NULL value sets a flag.  Returns the mount fd
   (the root of the new, still detached, filesystem).  */
static int
create_fs (const char *fstype, const char *const *opts, unsigned attrs, const char *step, const char *path,
           podrun_err_t *err)
{
  cleanup_close int fsfd = fsopen (fstype, FSOPEN_CLOEXEC);
  int mfd, i;
  if (fsfd < 0)
    return podrun_fail (err, errno, step, "fsopen", path);
  for (i = 0; opts && opts[i]; i += 2)
    {
      int ret = opts[i + 1] ? fsconfig (fsfd, FSCONFIG_SET_STRING, opts[i], opts[i + 1], 0)
                            : fsconfig (fsfd, FSCONFIG_SET_FLAG, opts[i], NULL, 0);
      if (ret < 0)
        return podrun_fail (err, errno, step, "fsconfig", path);
    }
  if (fsconfig (fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return podrun_fail (err, errno, step, "fsconfig", path);
  mfd = fsmount (fsfd, FSMOUNT_CLOEXEC, attrs);
  if (mfd < 0)
    return podrun_fail (err, errno, step, "fsmount", path);
  return mfd;
}

static int
attach (int mfd, int target_fd, const char *step, const char *path, podrun_err_t *err)
{
  if (move_mount (mfd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return podrun_fail (err, errno, step, "move_mount", path);
  return 0;
}

/* A detached recursive copy of SRC_FD's mount tree, read-only if asked.  */
static int
clone_tree (int src_fd, int readonly, const char *step, const char *path, podrun_err_t *err)
{
  int tree = open_tree (src_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
  if (tree < 0)
    return podrun_fail (err, errno, step, "open_tree", path);
  if (readonly)
    {
      struct mount_attr attr;
      memset (&attr, 0, sizeof attr);
      attr.attr_set = MOUNT_ATTR_RDONLY;
      if (mount_setattr (tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
        {
          close (tree);
          return podrun_fail (err, errno, step, "mount_setattr", path);
        }
    }
  return tree;
}

/* Kubernetes' default mountPropagation is None: a volume's copy is private, so a mount made on
   the host under its source later neither appears inside (it would not be read-only there) nor
   the other way round.  Device nodes in a volume stay unusable (nodev) unless the plan made the
   volume a device (hostPath type CharDevice/BlockDevice).  */
static int
seal_volume (int tree, int nodev, const char *path, podrun_err_t *err)
{
  struct mount_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.propagation = MS_PRIVATE;
  if (nodev)
    attr.attr_set = MOUNT_ATTR_NODEV;
  if (mount_setattr (tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
    return podrun_fail (err, errno, "volume", "mount_setattr", path);
  return 0;
}

int
podrun_mkdir_beneath (int dirfd, const char *path, int last_is_file, uint64_t resolve, const char *step,
                      podrun_err_t *err)
{
  char buf[PATH_MAX];
  int parent, fd;
  size_t pos = 0, len;

  while (*path == '/')
    path++;
  len = strlen (path);
  if (len >= sizeof buf)
    return podrun_fail (err, ENAMETOOLONG, step, "openat2", path);
  memcpy (buf, path, len + 1);
  parent = fcntl (dirfd, F_DUPFD_CLOEXEC, 3);
  if (parent < 0)
    return podrun_fail (err, errno, step, "fcntl", path);
  if (len == 0)
    return parent;

  /* Walk prefix by prefix, always resolving the whole prefix from DIRFD: each step is confined
     by RESOLVE, and only a missing last component of a prefix gets created (in its parent).  */
  while (pos < len)
    {
      size_t start = pos, end;
      char saved;
      int last;
      while (buf[pos] && buf[pos] != '/')
        pos++;
      end = pos;
      while (buf[pos] == '/')
        pos++;
      last = buf[pos] == '\0';
      saved = buf[end];
      buf[end] = '\0';
      fd = podrun_openat2 (dirfd, buf, O_PATH | O_CLOEXEC, resolve);
      if (fd < 0 && errno == ENOENT)
        {
          const char *base = buf + start;
          int ret;
          if (last && last_is_file)
            {
              ret = openat (parent, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
              if (ret >= 0)
                close (ret);
            }
          else
            ret = mkdirat (parent, base, 0755);
          if (ret < 0 && errno != EEXIST)
            {
              int e = errno;
              buf[end] = saved;
              close (parent);
              return podrun_fail (err, e, step, last && last_is_file ? "openat" : "mkdirat", path);
            }
          fd = podrun_openat2 (dirfd, buf, O_PATH | O_CLOEXEC, resolve);
        }
      buf[end] = saved;
      if (fd < 0)
        {
          int e = errno;
          close (parent);
          return podrun_fail (err, e, step, "openat2", path);
        }
      close (parent);
      parent = fd;
    }
  return parent;
}

static int
in_root (int rootfd, const char *path, int is_file, uint64_t extra, const char *step, podrun_err_t *err)
{
  return podrun_mkdir_beneath (rootfd, path, is_file, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | extra, step, err);
}

static int
size_option (char *buf, unsigned long long size)
{
  podrun_fmt_ulong (buf, size);
  return 0;
}

int
podrun_mount_pod (const struct podrun_pod *pod, podrun_err_t *err)
{
  size_t i;
  char size[24];
  if (mount (NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
    return podrun_fail (err, errno, "pod-mounts", "mount", "/");
  if (pod->shm_dir)
    {
      const char *opts[] = { "mode", "1777", "size", size, NULL };
      cleanup_close int target = open (pod->shm_dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      cleanup_close int mfd = -1;
      if (target < 0)
        return podrun_fail (err, errno, "shm", "open", pod->shm_dir);
      size_option (size, pod->shm_size);
      mfd = create_fs ("tmpfs", opts, MNT_NOSUID_NODEV_NOEXEC, "shm", pod->shm_dir, err);
      if (mfd < 0 || attach (mfd, target, "shm", pod->shm_dir, err) < 0)
        return -1;
    }
  for (i = 0; i < pod->n_tmpfs; i++)
    {
      const struct podrun_tmpfs *t = &pod->tmpfs[i];
      const char *opts[7] = { "mode", t->mode, NULL };
      const char *fs = t->pagesize ? "hugetlbfs" : "tmpfs";
      size_t o = 2;
      cleanup_close int target = open (t->dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      cleanup_close int mfd = -1;
      if (target < 0)
        return podrun_fail (err, errno, fs, "open", t->dir);
      size_option (size, t->pagesize ? t->pagesize : t->size);
      if (t->gid)
        {
          opts[o++] = "gid";
          opts[o++] = t->gid;
        }
      if (t->size || t->pagesize)
        {
          /* hugetlbfs takes no size: what it holds is the pod's hugetlb limit (as the kubelet's) */
          opts[o++] = t->pagesize ? "pagesize" : "size";
          opts[o++] = size;
        }
      opts[o] = NULL;
      mfd = create_fs (fs, opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, fs, t->dir, err);
      if (mfd < 0 || attach (mfd, target, fs, t->dir, err) < 0)
        return -1;
    }
  return 0;
}

int
podrun_empty_root (podrun_err_t *err)
{
  const char *opts[] = { "mode", "0555", "size", "4k", "nr_inodes", "1", NULL };
  return create_fs ("tmpfs", opts, MNT_NOSUID_NODEV_NOEXEC | MOUNT_ATTR_RDONLY, "pause-root", "tmpfs", err);
}

int
podrun_enter_root (int mfd, podrun_err_t *err)
{
  if (fchdir (mfd) < 0)
    return podrun_fail (err, errno, "pause-root", "fchdir", "tmpfs");
  if (chroot (".") < 0)
    return podrun_fail (err, errno, "pause-root", "chroot", "tmpfs");
  return 0;
}

int
podrun_enter_empty_root (podrun_err_t *err)
{
  cleanup_close int mfd = podrun_empty_root (err);
  if (mfd < 0)
    return -1;
  return podrun_enter_root (mfd, err);
}

/* hostUsers: false: every layer is an idmapped copy of its dir, given to overlay by fd
   (lowerdir+, upperdir and workdir take fds since Linux 6.13): the shared image layers stay as
   they are on disk, their files show with their image owners inside the pod, and what the
   container writes is stored in the upper dir with container ids too.  Upper and work must be
   one mount, so their common parent (the container's dir) is idmapped once.  The detached
   trees must stay open until the overlay is created (closing one unmounts it): HELD gets them,
   HELD_MAX >= n_lowers + 1.  */
static int
overlay_idmapped_layers (int fsfd, const struct podrun_container *c, int userns_fd, int *held, size_t *n_held,
                         podrun_err_t *err)
{
  char parent[PATH_MAX];
  const char *slash = strrchr (c->upper, '/');
  size_t i, plen = slash ? (size_t) (slash - c->upper) : 0;
  cleanup_close int up = -1, wk = -1;
  int tree;
  for (i = c->n_lowers; i > 0; i--)
    {
      int layer = open_tree (AT_FDCWD, c->lowers[i - 1], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
      if (layer >= 0)
        held[(*n_held)++] = layer;
      if (layer < 0)
        return podrun_fail (err, errno, "rootfs", "open_tree", c->lowers[i - 1]);
      if (podrun_idmap_tree (layer, userns_fd, 0, "rootfs", c->lowers[i - 1], err) < 0)
        return -1;
      if (fsconfig (fsfd, FSCONFIG_SET_FD, "lowerdir+", NULL, layer) < 0)
        return podrun_fail (err, errno, "rootfs", "fsconfig", c->lowers[i - 1]);
    }
  if (plen == 0 || plen >= sizeof parent || strncmp (c->work, c->upper, plen) != 0 || c->work[plen] != '/'
      || strchr (c->work + plen + 1, '/') != NULL)
    return podrun_fail (err, EINVAL, "rootfs", "fsconfig", c->work);
  memcpy (parent, c->upper, plen);
  parent[plen] = '\0';
  tree = open_tree (AT_FDCWD, parent, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
  if (tree < 0)
    return podrun_fail (err, errno, "rootfs", "open_tree", parent);
  held[(*n_held)++] = tree;
  if (podrun_idmap_tree (tree, userns_fd, 0, "rootfs", parent, err) < 0)
    return -1;
  up = openat (tree, c->upper + plen + 1, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  wk = openat (tree, c->work + plen + 1, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (up < 0 || wk < 0)
    return podrun_fail (err, errno, "rootfs", "openat", up < 0 ? c->upper : c->work);
  if (fsconfig (fsfd, FSCONFIG_SET_FD, "upperdir", NULL, up) < 0)
    return podrun_fail (err, errno, "rootfs", "fsconfig", c->upper);
  if (fsconfig (fsfd, FSCONFIG_SET_FD, "workdir", NULL, wk) < 0)
    return podrun_fail (err, errno, "rootfs", "fsconfig", c->work);
  return 0;
}

/* lowerdir+ takes one layer per call (Linux 6.8), top first, so neither the page-size limit of
   mount(2) data nor `:` in paths is a concern.  */
static int
mount_overlay (const struct podrun_container *c, int userns_fd, podrun_err_t *err)
{
  cleanup_close int fsfd = fsopen ("overlay", FSOPEN_CLOEXEC);
  cleanup_close int target = -1;
  int mfd, held[PODRUN_MAX_LOWERS + 1], ret;
  size_t i, n_held = 0;
  if (fsfd < 0)
    return podrun_fail (err, errno, "rootfs", "fsopen", c->rootfs);
  if (userns_fd >= 0)
    {
      ret = overlay_idmapped_layers (fsfd, c, userns_fd, held, &n_held, err);
      if (ret == 0 && fsconfig (fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        ret = podrun_fail (err, errno, "rootfs", "fsconfig", c->rootfs);
      for (i = 0; i < n_held; i++)
        close (held[i]);
      if (ret < 0)
        return -1;
    }
  else
    {
      for (i = c->n_lowers; i > 0; i--)
        if (fsconfig (fsfd, FSCONFIG_SET_STRING, "lowerdir+", c->lowers[i - 1], 0) < 0)
          return podrun_fail (err, errno, "rootfs", "fsconfig", c->lowers[i - 1]);
      if (fsconfig (fsfd, FSCONFIG_SET_STRING, "upperdir", c->upper, 0) < 0)
        return podrun_fail (err, errno, "rootfs", "fsconfig", c->upper);
      if (fsconfig (fsfd, FSCONFIG_SET_STRING, "workdir", c->work, 0) < 0)
        return podrun_fail (err, errno, "rootfs", "fsconfig", c->work);
      if (fsconfig (fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return podrun_fail (err, errno, "rootfs", "fsconfig", c->rootfs);
    }
  /* nodev: a device node shipped in an image layer must not open the host's disks (there is no
     device cgroup yet); the real devices are bound into /dev separately.  */
  mfd = fsmount (fsfd, FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV);
  if (mfd < 0)
    return podrun_fail (err, errno, "rootfs", "fsmount", c->rootfs);
  target = open (c->rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (target < 0)
    {
      close (mfd);
      return podrun_fail (err, errno, "rootfs", "open", c->rootfs);
    }
  if (attach (mfd, target, "rootfs", c->rootfs, err) < 0)
    {
      close (mfd);
      return -1;
    }
  return mfd;
}

/* A masked or read-only path of the plan, relative to the root of the proc or sysfs instance it
   is on: resolved beneath it without following any symlink, so no entry can redirect the mount.  */
static int
open_policy_path (int fsfd, const char *rel)
{
  return podrun_openat2 (fsfd, rel, O_PATH | O_CLOEXEC, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
}

/* Binds the path over itself read-only.  A missing path is fine.  */
static int
make_readonly (int fsfd, const char *rel, const char *step, podrun_err_t *err)
{
  cleanup_close int target = open_policy_path (fsfd, rel);
  cleanup_close int tree = -1;
  if (target < 0)
    return errno == ENOENT ? 0 : podrun_fail (err, errno, step, "openat", rel);
  tree = clone_tree (target, 1, step, rel, err);
  if (tree < 0)
    return -1;
  return attach (tree, target, step, rel, err);
}

/* Hides the path: /dev/null over a file, an empty read-only tmpfs over a directory.  */
static int
mask_path (int fsfd, const char *rel, const char *step, podrun_err_t *err)
{
  cleanup_close int target = open_policy_path (fsfd, rel);
  cleanup_close int tree = -1, src = -1;
  struct stat st;
  if (target < 0)
    return errno == ENOENT ? 0 : podrun_fail (err, errno, step, "openat", rel);
  if (fstat (target, &st) < 0)
    return podrun_fail (err, errno, step, "fstat", rel);
  if (S_ISDIR (st.st_mode))
    {
      const char *opts[] = { "size", "4k", "mode", "0555", NULL };
      tree = create_fs ("tmpfs", opts, MNT_NOSUID_NODEV_NOEXEC | MOUNT_ATTR_RDONLY, step, rel, err);
    }
  else
    {
      struct stat null_st;
      src = open ("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
      if (src < 0 || fstat (src, &null_st) < 0)
        return podrun_fail (err, errno, step, "open", "/dev/null");
      /* Only the real null device may stand in (CVE-2025-31133).  */
      if (!S_ISCHR (null_st.st_mode) || null_st.st_rdev != makedev (1, 3))
        return podrun_fail (err, ENODEV, step, "fstat", "/dev/null");
      tree = clone_tree (src, 0, step, rel, err);
    }
  if (tree < 0)
    return -1;
  return attach (tree, target, step, rel, err);
}

/* Applies the plan's read-only and masked paths under PREFIX ("/proc/" or "/sys/") to the
   filesystem mounted at FSFD.  */
static int
apply_path_policy (int fsfd, const struct podrun_container *c, const char *prefix, const char *step, podrun_err_t *err)
{
  size_t i, n = strlen (prefix);
  for (i = 0; i < c->n_readonly; i++)
    if (strncmp (c->readonly[i], prefix, n) == 0 && make_readonly (fsfd, c->readonly[i] + n, step, err) < 0)
      return -1;
  for (i = 0; i < c->n_masked; i++)
    if (strncmp (c->masked[i], prefix, n) == 0 && mask_path (fsfd, c->masked[i] + n, step, err) < 0)
      return -1;
  return 0;
}

/* <poddir>/pod-proc: in the pod mount namespace only, the procfs of the pod's PID namespace.  */
static int
pod_proc_path (const struct podrun_pod *pod, char *buf, size_t size)
{
  buf[0] = '\0';
  return podrun_strlcat (buf, size, pod->poddir) < 0 || podrun_strlcat (buf, size, "/pod-proc") < 0 ? -1 : 0;
}

int
podrun_mount_pod_proc (const struct podrun_pod *pod, podrun_err_t *err)
{
  char path[PATH_MAX];
  cleanup_close int target = -1, mfd = -1;
  if (pod_proc_path (pod, path, sizeof path) < 0)
    return podrun_fail (err, ENAMETOOLONG, "proc", "mount", pod->poddir);
  if (mkdir (path, 0700) < 0 && errno != EEXIST)
    return podrun_fail (err, errno, "proc", "mkdir", path);
  target = open (path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (target < 0)
    return podrun_fail (err, errno, "proc", "open", path);
  mfd = create_fs ("proc", NULL, MNT_NOSUID_NODEV_NOEXEC, "proc", path, err);
  if (mfd < 0)
    return -1;
  return attach (mfd, target, "proc", path, err);
}

/* A new procfs of this process's PID namespace; in a shared pod PID namespace (the container is
   set up from the host's, where no sibling can see it: container.c) a clone of the pause's.  */
static int
new_proc (const struct podrun_pod *pod, podrun_err_t *err)
{
  char path[PATH_MAX];
  cleanup_close int src = -1;
  struct statfs st;
  int tree;
  if (pod->pid != PODRUN_NS_POD)
    return create_fs ("proc", NULL, MNT_NOSUID_NODEV_NOEXEC, "proc", "/proc", err);
  if (pod_proc_path (pod, path, sizeof path) < 0)
    return podrun_fail (err, ENAMETOOLONG, "proc", "open_tree", pod->poddir);
  src = open (path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (src < 0)
    return podrun_fail (err, errno, "proc", "open", path);
  /* Never the host's /proc: the pause's mount must be there.  */
  if (fstatfs (src, &st) < 0)
    return podrun_fail (err, errno, "proc", "fstatfs", path);
  if (st.f_type != PROC_SUPER_MAGIC)
    return podrun_fail (err, ENODEV, "proc", "fstatfs", path);
  tree = open_tree (src, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  if (tree < 0)
    return podrun_fail (err, errno, "proc", "open_tree", path);
  return tree;
}

static int
mount_proc (const struct podrun_pod *pod, int rootfd, const struct podrun_container *c, podrun_err_t *err)
{
  cleanup_close int target = in_root (rootfd, "/proc", 0, RESOLVE_NO_SYMLINKS, "proc", err);
  cleanup_close int mfd = -1;
  if (target < 0)
    return -1;
  mfd = new_proc (pod, err);
  if (mfd < 0 || attach (mfd, target, "proc", "/proc", err) < 0)
    return -1;
  return apply_path_policy (mfd, c, "/proc/", "proc", err);
}

static int
mount_sys (int rootfd, const struct podrun_container *c, podrun_err_t *err)
{
  cleanup_close int target = in_root (rootfd, "/sys", 0, RESOLVE_NO_SYMLINKS, "sys", err);
  cleanup_close int mfd = -1;
  if (target < 0)
    return -1;
  mfd = create_fs ("sysfs", NULL, MNT_NOSUID_NODEV_NOEXEC | (c->writable_sysfs ? 0 : MOUNT_ATTR_RDONLY), "sys", "/sys",
                   err);
  if (mfd < 0)
    {
      /* sysfs refuses a new instance where the mounter does not own the network namespace: fall
         back to a read-only bind of the host's sysfs alone, not recursive, so debugfs,
         securityfs, cgroup, bpf and the other filesystems mounted below /sys are not in it.  */
      struct mount_attr attr;
      cleanup_close int src = open ("/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (src < 0)
        return podrun_fail (err, errno, "sys", "open", "/sys");
      mfd = open_tree (src, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
      if (mfd < 0)
        return podrun_fail (err, errno, "sys", "open_tree", "/sys");
      memset (&attr, 0, sizeof attr);
      attr.attr_set = MNT_NOSUID_NODEV_NOEXEC | (c->writable_sysfs ? 0 : MOUNT_ATTR_RDONLY);
      if (mount_setattr (mfd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
        return podrun_fail (err, errno, "sys", "mount_setattr", "/sys");
    }
  if (attach (mfd, target, "sys", "/sys", err) < 0)
    return -1;
  return apply_path_policy (mfd, c, "/sys/", "sys", err);
}

/* The container's own cgroups at /sys/fs/cgroup (launch.h cgroup_views), as runc mounts them
   (kubelet-resources.md H4.14): in its cgroup namespace a fresh cgroup2 mount shows its cgroup as
   the root; a v1 hierarchy is its container dir bound on a tmpfs, with a link per controller of a
   co-mounted one (cpu -> cpu,cpuacct).  Read-only unless privileged (writable_sysfs).  */
static int
mount_cgroup_views (int rootfd, const struct podrun_container *c, podrun_err_t *err)
{
  static const char *const tmp_opts[] = { "mode", "755", "size", "64k", NULL };
  unsigned ro = c->writable_sysfs ? 0 : MOUNT_ATTR_RDONLY;
  cleanup_close int target = -1, tmp = -1;
  struct mount_attr attr;
  size_t i;
  if (c->n_cgroup_views == 0)
    return 0;
  target = in_root (rootfd, "/sys/fs/cgroup", 0, RESOLVE_NO_SYMLINKS, "cgroup", err);
  if (target < 0)
    return -1;
  if (c->cgroup_views[0].name[0] == '\0')
    {
      cleanup_close int mfd
          = create_fs ("cgroup2", NULL, MNT_NOSUID_NODEV_NOEXEC | ro, "cgroup", "/sys/fs/cgroup", err);
      return mfd < 0 ? -1 : attach (mfd, target, "cgroup", "/sys/fs/cgroup", err);
    }
  tmp = create_fs ("tmpfs", tmp_opts, MNT_NOSUID_NODEV_NOEXEC, "cgroup", "/sys/fs/cgroup", err);
  if (tmp < 0 || attach (tmp, target, "cgroup", "/sys/fs/cgroup", err) < 0)
    return -1;
  close (target);
  target = in_root (rootfd, "/sys/fs/cgroup", 0, RESOLVE_NO_SYMLINKS, "cgroup", err); /* the tmpfs now */
  if (target < 0)
    return -1;
  for (i = 0; i < c->n_cgroup_views; i++)
    {
      const struct podrun_cgroup_view *v = &c->cgroup_views[i];
      cleanup_close int sub = -1, mfd = -1;
      if (mkdirat (target, v->name, 0755) < 0 && errno != EEXIST)
        return podrun_fail (err, errno, "cgroup", "mkdirat", v->name);
      sub = openat (target, v->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0)
        return podrun_fail (err, errno, "cgroup", "openat", v->name);
      if (v->dir == NULL)
        mfd = create_fs ("cgroup2", NULL, MNT_NOSUID_NODEV_NOEXEC | ro, "cgroup", v->name, err);
      else
        {
          struct statfs fs;
          cleanup_close int src = open (v->dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (src < 0 || fstatfs (src, &fs) < 0)
            return podrun_fail (err, errno, "cgroup", "open", v->dir);
          if (fs.f_type != CGROUP_SUPER_MAGIC && fs.f_type != CGROUP2_SUPER_MAGIC)
            return podrun_fail (err, EXDEV, "cgroup", "fstatfs", v->dir);
          mfd = open_tree (src, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
          if (mfd < 0)
            return podrun_fail (err, errno, "cgroup", "open_tree", v->dir);
          memset (&attr, 0, sizeof attr);
          attr.attr_set = MNT_NOSUID_NODEV_NOEXEC | ro;
          if (mount_setattr (mfd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
            return podrun_fail (err, errno, "cgroup", "mount_setattr", v->dir);
        }
      if (mfd < 0 || attach (mfd, sub, "cgroup", v->name, err) < 0)
        return -1;
      /* cpu,cpuacct: cpu and cpuacct lead to it */
      if (strchr (v->name, ','))
        {
          char names[80], *save = NULL, *one;
          snprintf (names, sizeof names, "%s", v->name);
          for (one = strtok_r (names, ",", &save); one; one = strtok_r (NULL, ",", &save))
            if (symlinkat (v->name, target, one) < 0 && errno != EEXIST)
              return podrun_fail (err, errno, "cgroup", "symlinkat", one);
        }
    }
  if (!ro)
    return 0;
  memset (&attr, 0, sizeof attr);
  attr.attr_set = MOUNT_ATTR_RDONLY;
  if (mount_setattr (target, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
    return podrun_fail (err, errno, "cgroup", "mount_setattr", "/sys/fs/cgroup");
  return 0;
}

/* The host's node at the same path, checked to be the character device the plan names, bound
   over a file made beneath the container's /dev tmpfs.  */
static int
bind_device (int devfd, const struct podrun_device *dv, podrun_err_t *err)
{
  cleanup_close int src = -1, target = -1, tree = -1;
  struct stat st;
  src = open (dv->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (src < 0)
    return podrun_fail (err, errno, "dev", "open", dv->path);
  if (fstat (src, &st) < 0)
    return podrun_fail (err, errno, "dev", "fstat", dv->path);
  if ((dv->block ? !S_ISBLK (st.st_mode) : !S_ISCHR (st.st_mode)) || st.st_rdev != makedev (dv->major, dv->minor))
    return podrun_fail (err, ENODEV, "dev", "fstat", dv->path);
  target = podrun_mkdir_beneath (devfd, dv->path + 5, 1, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, "dev", err);
  if (target < 0)
    return -1;
  tree = clone_tree (src, 0, "dev", dv->path, err);
  if (tree < 0)
    return -1;
  return attach (tree, target, "dev", dv->path, err);
}

static int
mount_dev (const struct podrun_pod *pod, const struct podrun_container *c, int rootfd, int userns_fd, podrun_err_t *err)
{
  static const char *const links[][2] = { { "pts/ptmx", "ptmx" },
                                          { "/proc/self/fd", "fd" },
                                          { "/proc/self/fd/0", "stdin" },
                                          { "/proc/self/fd/1", "stdout" },
                                          { "/proc/self/fd/2", "stderr" } };
  char size[24];
  const char *dev_opts[] = { "mode", "755", "size", size, NULL };
  const char *pts_opts[] = { "newinstance", NULL, "ptmxmode", "0666", "mode", "0620", NULL };
  const char *shm_opts[] = { "mode", "1777", NULL };
  cleanup_close int target = in_root (rootfd, "/dev", 0, RESOLVE_NO_SYMLINKS, "dev", err);
  cleanup_close int devfd = -1, pts = -1, ptsfd = -1, shm = -1, shmfd = -1;
  size_t i;

  if (target < 0)
    return -1;
  podrun_fmt_ulong (size, c->dev_size);
  /* nodev on the tmpfs itself: the devices below are bind mounts of the host's nodes, so a node
     made with mknod in /dev stays unusable.  */
  devfd = create_fs ("tmpfs", dev_opts, MNT_NOSUID_NODEV_NOEXEC, "dev", "/dev", err);
  if (devfd < 0 || attach (devfd, target, "dev", "/dev", err) < 0)
    return -1;
  for (i = 0; i < c->n_devices; i++)
    if (bind_device (devfd, &c->devices[i], err) < 0)
      return -1;
  for (i = 0; i < sizeof links / sizeof links[0]; i++)
    if (symlinkat (links[i][0], devfd, links[i][1]) < 0)
      return podrun_fail (err, errno, "dev", "symlinkat", links[i][1]);

  if (mkdirat (devfd, "pts", 0755) < 0)
    return podrun_fail (err, errno, "dev", "mkdirat", "/dev/pts");
  pts = openat (devfd, "pts", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (pts < 0)
    return podrun_fail (err, errno, "dev", "openat", "/dev/pts");
  ptsfd = create_fs ("devpts", pts_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, "dev", "/dev/pts", err);
  if (ptsfd < 0 || attach (ptsfd, pts, "dev", "/dev/pts", err) < 0)
    return -1;

  if (mkdirat (devfd, "shm", 01777) < 0)
    return podrun_fail (err, errno, "dev", "mkdirat", "/dev/shm");
  shm = openat (devfd, "shm", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (shm < 0)
    return podrun_fail (err, errno, "dev", "openat", "/dev/shm");
  if (pod->shm_dir)
    {
      /* The pod's shm tmpfs, mounted by the pause process in the pod mount namespace we copied,
         so every container shares one /dev/shm.  */
      cleanup_close int src = open (pod->shm_dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (src < 0)
        return podrun_fail (err, errno, "dev", "open", pod->shm_dir);
      shmfd = clone_tree (src, 0, "dev", pod->shm_dir, err);
      /* made by the pause as host root: its root (1777) shows as the pod's root  */
      if (shmfd >= 0 && userns_fd >= 0 && podrun_idmap_tree (shmfd, userns_fd, 0, "dev", pod->shm_dir, err) < 0)
        return -1;
    }
  else if (pod->ipc == PODRUN_NS_HOST)
    {
      /* hostIPC: the host's /dev/shm, as `docker run --ipc=host` does.  */
      cleanup_close int src = open ("/dev/shm", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (src < 0)
        return podrun_fail (err, errno, "dev", "open", "/dev/shm");
      shmfd = clone_tree (src, 0, "dev", "/dev/shm", err);
    }
  else
    shmfd = create_fs ("tmpfs", shm_opts, MNT_NOSUID_NODEV_NOEXEC, "dev", "/dev/shm", err);
  if (shmfd < 0)
    return -1;
  return attach (shmfd, shm, "dev", "/dev/shm", err);
}

/* Undoes mountinfo's octal escapes (\040 for a space) in place.  */
static void
mountinfo_unescape (char *s)
{
  char *out = s;
  for (; *s; s++)
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7')
      {
        *out++ = (char) ((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
        s += 3;
      }
    else
      *out++ = *s;
  *out = '\0';
}

/* One mountinfo line: fails when its mount point is below REAL and its type is a kernel filesystem
   (podrun_pseudo_fs_name, hostpath.c).  */
static int
check_submount (char *line, const char *real, podrun_err_t *err)
{
  char *field[5], *dash, *type, *p = line;
  size_t i, r = strlen (real);
  for (i = 0; i < 5; i++)
    {
      field[i] = p;
      p = strchr (p, ' ');
      if (p == NULL)
        return 0;
      *p++ = '\0';
    }
  dash = strstr (p, " - ");
  if (dash == NULL)
    return 0;
  type = dash + 3;
  if ((p = strchr (type, ' ')) != NULL)
    *p = '\0';
  mountinfo_unescape (field[4]);
  if (!podrun_pseudo_fs_name (type))
    return 0;
  if (strcmp (real, "/") == 0 || (strncmp (field[4], real, r) == 0 && field[4][r] == '/'))
    return podrun_fail (err, EACCES, "volume", "hostpath-submount", field[4]);
  return 0;
}

/* The source is bound recursively, as Kubernetes binds a hostPath: no mount below it may be one
   of the kernel filesystems podrun_check_host_fd refuses.  Host mounts only change by host root, so the
   kernel's table read now is the table cloned next.  Streams the file with a fixed buffer
   (child-safe: no allocation).  */
static int
check_submounts (const char *real, podrun_err_t *err)
{
  static char buf[65536];
  size_t have = 0;
  cleanup_close int fd = open ("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return podrun_fail (err, errno, "volume", "open", "/proc/self/mountinfo");
  for (;;)
    {
      ssize_t n = read (fd, buf + have, sizeof buf - 1 - have);
      char *line = buf, *nl;
      if (n < 0)
        return podrun_fail (err, errno, "volume", "read", "/proc/self/mountinfo");
      have += (size_t) n;
      buf[have] = '\0';
      while ((nl = strchr (line, '\n')) != NULL)
        {
          *nl = '\0';
          if (check_submount (line, real, err) < 0)
            return -1;
          line = nl + 1;
        }
      have -= (size_t) (line - buf);
      memmove (buf, line, have);
      if (n == 0)
        return have ? check_submount (buf, real, err) : 0;
      if (have == sizeof buf - 1)
        return podrun_fail (err, E2BIG, "volume", "read", "/proc/self/mountinfo");
    }
}

static int
kind_matches (enum podrun_host_type type, mode_t mode)
{
  switch (type)
    {
    case PODRUN_HOST_DIR:
      return S_ISDIR (mode);
    case PODRUN_HOST_FILE:
      return S_ISREG (mode);
    case PODRUN_HOST_SOCKET:
      return S_ISSOCK (mode);
    case PODRUN_HOST_CHAR:
      return S_ISCHR (mode);
    case PODRUN_HOST_BLOCK:
      return S_ISBLK (mode);
    default:
      /* type "" (and a pod-owned dir): anything but a device node */
      return !S_ISCHR (mode) && !S_ISBLK (mode);
    }
}

/* A hostPath source, resolved and checked once, on the object that will be mounted: opened
   following symlinks as Kubernetes does (never /proc magic links), its real path taken from the
   opened fd and checked against the plan's deny list, its kind checked with fstat on the same fd.
   The mount is then made from this fd, so a symlink swapped after the check cannot change what
   is mounted (CVE-2021-30465 class; the kubelet's own check-then-mount has the same hole).  */
static int
open_host_source (const struct podrun_pod *pod, const struct podrun_bind *b, struct stat *st, podrun_err_t *err)
{
  char real[PATH_MAX];
  int dev = b->host == PODRUN_HOST_CHAR || b->host == PODRUN_HOST_BLOCK;
  cleanup_close int fd = podrun_openat2 (AT_FDCWD, b->source, O_PATH | O_CLOEXEC, RESOLVE_NO_MAGICLINKS);
  if (fd < 0)
    return podrun_fail (err, errno, "volume", "openat2", b->source);
  if (podrun_check_host_fd (fd, NULL, dev ? pod->denied_devices : pod->denied,
                            dev ? pod->n_denied_devices : pod->n_denied, "volume", b->source, real, err)
      < 0)
    return -1;
  if (check_submounts (real, err) < 0)
    return -1;
  if (fstat (fd, st) < 0)
    return podrun_fail (err, errno, "volume", "fstat", b->source);
  if (!kind_matches (b->host, st->st_mode))
    return podrun_fail (err,
                        S_ISCHR (st->st_mode) || S_ISBLK (st->st_mode) ? ENODEV
                        : S_ISDIR (st->st_mode)                        ? EISDIR
                                                                       : ENOTDIR,
                        "volume", "hosttype", real);
  {
    int out = fd;
    fd = -1;
    return out;
  }
}

static int
mount_volume (const struct podrun_pod *pod, int rootfd, const struct podrun_bind *b, int userns_fd, podrun_err_t *err)
{
  cleanup_close int src = -1, vol = -1, target = -1, tree = -1;
  struct stat st;
  int device;

  if (b->host)
    {
      vol = open_host_source (pod, b, &st, err);
      if (vol < 0)
        return -1;
    }
  else
    {
      vol = open (b->source, O_PATH | O_CLOEXEC);
      if (vol < 0)
        return podrun_fail (err, errno, "volume", "open", b->source);
    }
  if (b->subpath)
    {
      /* The subPath never leaves the volume: absolute symlinks, `..` and magic links are
         refused by the kernel (CVE-2017-1002101, CVE-2021-25741).  A missing one is created as
         a directory, as the kubelet does.  */
      src = podrun_openat2 (vol, b->subpath, O_PATH | O_CLOEXEC, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
      if (src < 0 && errno == ENOENT && !b->is_file)
        {
          /* In the volume as it is on the host, which the pod sees through an idmapped mount:
             made as host root, it shows as the pod's root.  */
          if (userns_fd >= 0)
            podrun_userns_fsids (0);
          src = podrun_mkdir_beneath (vol, b->subpath, 0, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, "volume", err);
          if (userns_fd >= 0)
            podrun_userns_fsids (pod->userns_host);
        }
      else if (src < 0)
        return podrun_fail (err, errno, "volume", "openat2", b->subpath);
      if (src < 0)
        return -1;
    }
  else
    {
      src = vol;
      vol = -1;
    }
  if (fstat (src, &st) < 0)
    return podrun_fail (err, errno, "volume", "fstat", b->source);
  /* Only a hostPath whose type names a device may be one; anything else holding a device node
     (planted by a container through a shared volume) is refused.  */
  device = b->host == PODRUN_HOST_CHAR || b->host == PODRUN_HOST_BLOCK;
  if (!device && (S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode)))
    return podrun_fail (err, ENODEV, "volume", "hosttype", b->subpath ? b->subpath : b->source);
  if (S_ISDIR (st.st_mode) == b->is_file)
    return podrun_fail (err, b->is_file ? EISDIR : ENOTDIR, "volume", "fstat", b->subpath ? b->subpath : b->source);
  target = in_root (rootfd, b->dest, b->is_file, 0, "volume", err);
  if (target < 0)
    return -1;
  tree = clone_tree (src, b->readonly, "volume", b->dest, err);
  if (tree < 0)
    return -1;
  /* nodev unless the plan asked for a device: a node planted inside a volume stays unusable.  */
  if (seal_volume (tree, !device, b->dest, err) < 0)
    return -1;
  /* hostUsers: false: as Kubernetes does, the volume shows its files with their owners on the
     host, and what the pod writes is stored with its container ids.  */
  if (userns_fd >= 0 && podrun_idmap_tree (tree, userns_fd, 1, "volume", b->dest, err) < 0)
    return -1;
  return attach (tree, target, "volume", b->dest, err);
}

int
podrun_mount_container (const struct podrun_pod *pod, const struct podrun_container *c, int userns_fd,
                        podrun_err_t *err)
{
  cleanup_close int rootfd = -1;
  size_t i;

  if (mount (NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
    return podrun_fail (err, errno, "mount-namespace", "mount", "/");
  rootfd = mount_overlay (c, userns_fd, err);
  if (rootfd < 0)
    return -1;
  if (mount_proc (pod, rootfd, c, err) < 0 || mount_dev (pod, c, rootfd, userns_fd, err) < 0
      || mount_sys (rootfd, c, err) < 0 || mount_cgroup_views (rootfd, c, err) < 0)
    return -1;
  for (i = 0; i < c->n_binds; i++)
    if (mount_volume (pod, rootfd, &c->binds[i], userns_fd, err) < 0)
      return -1;
  /* Last, as the kubelet's makeMounts: the attempt's termination message file (§7).  */
  if (c->termination_path && c->termination_file)
    {
      struct podrun_bind t = { .source = c->termination_file, .dest = c->termination_path, .is_file = 1 };
      if (mount_volume (pod, rootfd, &t, userns_fd, err) < 0)
        return -1;
    }

  /* pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves only
     the container's tree in this mount namespace (runc's pivotRoot).  */
  if (fchdir (rootfd) < 0)
    return podrun_fail (err, errno, "pivot_root", "fchdir", c->rootfs);
  if (podrun_pivot_root (".", ".") < 0)
    return podrun_fail (err, errno, "pivot_root", "pivot_root", c->rootfs);
  if (umount2 (".", MNT_DETACH) < 0)
    return podrun_fail (err, errno, "pivot_root", "umount2", c->rootfs);
  if (chdir ("/") < 0)
    return podrun_fail (err, errno, "pivot_root", "chdir", "/");
  return 0;
}
