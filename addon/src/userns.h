/* hostUsers: false (docs/security.md "User namespaces"): the pod's user namespace, its id maps
   and idmapped mounts.  The pause process unshares the user namespace (with the network, IPC and
   UTS namespaces it then owns); the monitor, its parent in the host's user namespace, writes the
   maps; every container sets up its mounts with host privileges and joins the user namespace
   last, before it drops capabilities.  */
#ifndef PODRUN_USERNS_H
#define PODRUN_USERNS_H

#include "launch.h"

/* Monitor: writes "0 HOST LEN" to /proc/PID/uid_map and gid_map (setgroups stays allowed: the
   maps are written by a privileged parent, and containers set their supplementary groups).  */
int podrun_userns_write_maps (pid_t pid, const struct podrun_pod *pod, podrun_err_t *err);

/* Monitor: an fd of PID's user namespace; PIDFD must still name a live process afterwards, so a
   recycled pid cannot hand over another process's namespace.  */
int podrun_userns_open (pid_t pid, int pidfd, podrun_err_t *err);

/* Child-safe.  Idmaps the detached mount tree TREE (an OPEN_TREE_CLONE fd) with the pod's user
   namespace: a file the filesystem stores as uid N shows as container uid N.  RECURSIVE applies
   it to every mount of the tree.  EINVAL: the filesystem does not support idmapped mounts.  */
int podrun_idmap_tree (int tree, int userns_fd, int recursive, const char *step, const char *path, podrun_err_t *err);

/* Child-safe.  Lets the process, still root in the host's user namespace, create what it makes
   in the container's root as container root (fsuid/fsgid HOST, the pod's root on the host; 0
   to go back), keeping its capabilities across the change (SECBIT_NO_SETUID_FIXUP): writes
   through an idmapped mount by a caller whose fsuid the idmapping does not map fail with
   EOVERFLOW.  podrun_userns_setup_creds sets the securebit once.  */
int podrun_userns_setup_creds (podrun_err_t *err);
void podrun_userns_fsids (unsigned long host);

/* Child-safe.  setns into the user namespace USERNS_FD: the process becomes the pod's (its
   capabilities now count only there, its bounding set is full again and must be limited
   after this) and takes uid/gid 0 there until it sets the container's user.  */
int podrun_userns_join (int userns_fd, const char *step, podrun_err_t *err);

#endif
