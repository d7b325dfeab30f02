/* Ephemeral storage checks (storage.h).  */
#define _GNU_SOURCE
#include "storage.h"

#include "launch.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Inodes with more than one link already counted in this walk (a small open-addressing set).  */
struct seen
{
  uint64_t *keys;
  size_t cap, n;
};

static int
seen_add (struct seen *s, dev_t dev, ino_t ino)
{
  uint64_t key = ((uint64_t) dev << 40) ^ (uint64_t) ino, h;
  size_t i;
  if (key == 0)
    key = 1;
  if (s->n * 2 >= s->cap)
    {
      size_t ncap = s->cap ? s->cap * 2 : 1024, j;
      uint64_t *nk = calloc (ncap, sizeof *nk);
      if (!nk)
        return 1; /* out of memory: count it again rather than fail */
      for (j = 0; j < s->cap; j++)
        if (s->keys[j])
          {
            for (h = s->keys[j] * 0x9E3779B97F4A7C15ULL, i = (size_t) (h % ncap); nk[i]; i = (i + 1) % ncap)
              ;
            nk[i] = s->keys[j];
          }
      free (s->keys);
      s->keys = nk;
      s->cap = ncap;
    }
  for (h = key * 0x9E3779B97F4A7C15ULL, i = (size_t) (h % s->cap); s->keys[i]; i = (i + 1) % s->cap)
    if (s->keys[i] == key)
      return 0;
  s->keys[i] = key;
  s->n++;
  return 1;
}

/* The tree below DFD (closed here), on device DEV; depth-bounded so a hostile tree cannot
   exhaust the stack or the fds.  */
static unsigned long long
walk (int dfd, dev_t dev, struct seen *s, int depth)
{
  unsigned long long total = 0;
  struct dirent *e;
  DIR *d = fdopendir (dfd);
  if (!d)
    {
      close (dfd);
      return 0;
    }
  while ((e = readdir (d)) != NULL)
    {
      struct stat st;
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      if (fstatat (dirfd (d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
        continue;
      if (st.st_nlink > 1 && !S_ISDIR (st.st_mode) && !seen_add (s, st.st_dev, st.st_ino))
        continue;
      total += (unsigned long long) st.st_blocks * 512ULL;
      if (S_ISDIR (st.st_mode) && depth < 4096)
        {
          int sub = openat (dirfd (d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (sub >= 0)
            total += walk (sub, dev, s, depth + 1);
        }
    }
  closedir (d);
  return total;
}

unsigned long long
podrun_du (const char *dir)
{
  struct seen s = { 0 };
  struct stat st;
  unsigned long long total;
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return 0;
  if (fstat (fd, &st) < 0)
    {
      close (fd);
      return 0;
    }
  total = (unsigned long long) st.st_blocks * 512ULL + walk (fd, st.st_dev, &s, 0);
  free (s.keys);
  return total;
}

int
podrun_storage_measure (const struct podrun_pod *pod, const char *const *uppers, const char *const *logdirs, size_t n,
                        int fd)
{
  uint64_t out[PODRUN_STORAGE_MAX_DIRS * 2];
  size_t k = 0, i;
  for (i = 0; i < pod->n_emptydirs && k < sizeof out / sizeof out[0]; i++)
    out[k++] = podrun_du (pod->emptydirs[i].dir);
  for (i = 0; i < n && k < sizeof out / sizeof out[0]; i++)
    out[k++] = (uppers[i] ? podrun_du (uppers[i]) : 0) + (logdirs[i] ? podrun_du (logdirs[i]) : 0);
  return podrun_write_all (fd, out, k * sizeof out[0]);
}

int
podrun_storage_verdict (const struct podrun_pod *pod, const uint64_t *usage, size_t n_usage, char *msg, size_t cap)
{
  size_t i, ne = pod->n_emptydirs;
  uint64_t total = 0;
  if (n_usage != ne + pod->n_containers)
    return 0;
  /* 1. each emptyDir over its sizeLimit */
  for (i = 0; i < ne; i++)
    if (pod->emptydirs[i].limit && usage[i] > pod->emptydirs[i].limit)
      {
        snprintf (msg, cap, "Usage of EmptyDir volume \"%s\" exceeds the limit \"%s\". ", pod->emptydirs[i].name,
                  pod->emptydirs[i].text);
        return 1;
      }
  /* 2. the pod over the sum of its containers' limits */
  for (i = 0; i < n_usage; i++)
    total += usage[i];
  if (pod->storage_limit && total > pod->storage_limit)
    {
      snprintf (msg, cap, "Pod ephemeral local storage usage exceeds the total limit of containers %s. ",
                pod->storage_limit_text);
      return 1;
    }
  /* 3. each regular container over its own */
  for (i = 0; i < pod->n_containers; i++)
    {
      const struct podrun_container *c = &pod->containers[i];
      if (c->storage_limit && c->sv.kind == SV_KIND_APP && usage[ne + i] > c->storage_limit)
        {
          snprintf (msg, cap, "Container %s exceeded its local ephemeral storage limit \"%s\". ", c->name,
                    c->storage_limit_text);
          return 1;
        }
    }
  return 0;
}
