/* hostPaths checked on the object itself, an open fd, never on a path that may change: shared by
   podrun-helper (every hostPath it mounts, mounts.c) and the addon (the part of a
   DirectoryOrCreate or FileOrCreate path that apply creates, src/runtime/prepare.ts).
   Child-safe: syscalls only.  */
#ifndef PODRUN_HOSTPATH_H
#define PODRUN_HOSTPATH_H

#include "util.h"

/* REAL is DIR, lies below DIR, or is an ancestor of DIR (it would hold it).  */
int podrun_path_overlaps (const char *real, const char *dir);

/* NAME (a mountinfo filesystem type) is one of the kernel filesystems never given to a pod.  */
int podrun_pseudo_fs_name (const char *name);

/* Checks the object FD is open on, as a hostPath: its real path (/proc/self/fd/FD, into REAL of
   PATH_MAX bytes) must not overlap DENIED (with BELOW, a relative path, appended when not NULL:
   what is about to be made beneath FD), and its filesystem must not be a kernel one.  Fails with
   STEP and WHAT: `readlink` (ENOENT for an object removed meanwhile), `hostpath` EACCES (the
   denied path), `fstatfs`, `hostpath-fs` EACCES (REAL).  */
int podrun_check_host_fd (int fd, const char *below, const char *const *denied, size_t n_denied, const char *step,
                          const char *what, char *real, podrun_err_t *err);

/* Where one object is: (st_dev, st_ino).  */
struct podrun_host_id
{
  uint64_t dev;
  uint64_t ino;
};

#define PODRUN_CREATE_MAX (PATH_MAX / 2)

/* What podrun_create_host_path made, enough to take it away again (podrun_remove_created).  */
struct podrun_created
{
  /* The nearest existing ancestor, as opened (its real path) and checked.  */
  char top[PATH_MAX];
  struct podrun_host_id top_id;
  /* The components below it, "a/b/c" (as written in the hostPath), and their number.  */
  char rest[PATH_MAX];
  size_t n;
  /* How many of them were reached (opened without following a symlink): for those, each one's
     id, and whether this call made it (not: someone made it meanwhile).  */
  size_t reached;
  struct podrun_host_id id[PODRUN_CREATE_MAX];
  unsigned char made[PODRUN_CREATE_MAX];
};

/* DirectoryOrCreate (IS_FILE 0) or FileOrCreate (1) of the absolute, clean PATH: opens its nearest
   existing ancestor once (following symlinks, never /proc magic links, as Kubernetes follows
   them), checks that fd as podrun_check_host_fd does for the path about to be made, then creates
   each missing component relative to the fd it has open: directories 0755 with mkdirat, each
   opened O_DIRECTORY|O_NOFOLLOW before going on, the file 0644 with O_CREAT|O_EXCL|O_NOFOLLOW,
   modes exact (not filtered by the umask).  A component that turns into a symlink meanwhile
   fails the call (ELOOP), never followed.  FileOrCreate makes no directory, as the kubelet: its
   parent must exist (ENOENT).  Returns the number of components below the ancestor, 0 when PATH
   exists already (nothing made), -1 with ERR (step `hostpath-create`, or podrun_check_host_fd's).
   OUT is filled once anything may have been made, also on failure.  */
int podrun_create_host_path (const char *path, int is_file, const char *const *denied, size_t n_denied,
                             struct podrun_created *out, podrun_err_t *err);

/* Removes what C says a call made, newest first, each only while it is the object made (same id,
   reached from TOP without following a symlink) and still empty (a directory rmdir takes, a file
   of size 0).  Stops at the first it must keep.  Returns the number removed.  */
size_t podrun_remove_created (const struct podrun_created *c, int is_file);

#endif
