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

/* A directory on the walk's stack: its inode, its fd while it is one of the KEEP_FDS shallowest
   (deeper ones are reached again by ".." and checked to be the same inode), and the names of its
   subdirectories still to visit, read whole before any is entered.  */
struct frame
{
  ino_t ino;
  int fd;
  char *names;
  size_t off, len;
};

#define KEEP_FDS 64

/* Reads the directory open at FD: adds the blocks of each entry on device DEV to *TOTAL (a
   subdirectory's own included) and collects the subdirectories' names in F.  */
static int
scan (int fd, dev_t dev, struct seen *s, unsigned long long *total, struct frame *f)
{
  struct dirent *e;
  size_t cap = 0;
  int d2 = fcntl (fd, F_DUPFD_CLOEXEC, 0);
  DIR *d = d2 < 0 ? NULL : fdopendir (d2);
  f->names = NULL;
  f->off = f->len = 0;
  if (!d)
    {
      if (d2 >= 0)
        close (d2);
      return -1;
    }
  while ((e = readdir (d)) != NULL)
    {
      struct stat st;
      size_t l;
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      if (fstatat (fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
        continue;
      if (st.st_nlink > 1 && !S_ISDIR (st.st_mode) && !seen_add (s, st.st_dev, st.st_ino))
        continue;
      *total += (unsigned long long) st.st_blocks * 512ULL;
      if (!S_ISDIR (st.st_mode))
        continue;
      l = strlen (e->d_name) + 1;
      if (f->len + l > cap)
        {
          size_t ncap = cap ? cap * 2 : 256;
          char *n;
          while (ncap < f->len + l)
            ncap *= 2;
          n = realloc (f->names, ncap);
          if (!n)
            break; /* out of memory: the rest of this directory's subtrees go uncounted */
          f->names = n;
          cap = ncap;
        }
      memcpy (f->names + f->len, e->d_name, l);
      f->len += l;
    }
  closedir (d);
  return 0;
}

/* The tree below ROOT (an fd, closed here), on device DEV, however deep, without recursion and
   with at most KEEP_FDS + 2 fds open: a hostile container's tree deeper than the fd limit or the
   stack must not hide what is at its bottom (review 17).  Each subdirectory is entered with
   O_NOFOLLOW and checked to be on DEV; a deep one's parent is reopened by ".." and must be the
   inode it left, else (a rename raced the walk) *INCOMPLETE is set and the walk stops.  */
static unsigned long long
walk (int root, dev_t dev, struct seen *s, int *incomplete)
{
  struct frame *st = NULL;
  size_t n = 0, cap = 0;
  unsigned long long total = 0;
  int cur = root; /* the fd of the top frame */
  struct stat sb;
  if (fstat (root, &sb) < 0)
    {
      close (root);
      return 0;
    }
  for (;;)
    {
      struct frame *f;
      if (cur >= 0)
        {
          /* a new top frame at CUR */
          if (n == cap)
            {
              size_t ncap = cap ? cap * 2 : 64;
              struct frame *ns = realloc (st, ncap * sizeof *ns);
              if (!ns)
                {
                  *incomplete = 1;
                  close (cur);
                  break;
                }
              st = ns;
              cap = ncap;
            }
          f = &st[n++];
          f->ino = sb.st_ino;
          f->fd = cur;
          scan (cur, dev, s, &total, f);
          cur = -1;
        }
      f = &st[n - 1];
      if (f->off < f->len)
        {
          const char *name = f->names + f->off;
          int sub;
          f->off += strlen (name) + 1;
          sub = openat (f->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (sub < 0)
            continue;
          if (fstat (sub, &sb) < 0 || sb.st_dev != dev)
            {
              close (sub);
              continue;
            }
          if (n > KEEP_FDS)
            {
              close (f->fd); /* reached again by ".." */
              f->fd = -1;
            }
          cur = sub;
          continue;
        }
      /* this directory done: back to its parent */
      free (f->names);
      if (n == 1)
        {
          close (f->fd);
          n = 0;
          break;
        }
      if (st[n - 2].fd < 0)
        {
          int up = openat (f->fd, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (up < 0 || fstat (up, &sb) < 0 || sb.st_dev != dev || sb.st_ino != st[n - 2].ino)
            {
              if (up >= 0)
                close (up);
              close (f->fd);
              n--;
              *incomplete = 1;
              break;
            }
          st[n - 2].fd = up;
        }
      close (f->fd);
      n--;
    }
  while (n > 0)
    {
      n--;
      free (st[n].names);
      if (st[n].fd >= 0)
        close (st[n].fd);
    }
  free (st);
  return total;
}

/* The blocks used by the tree at DIR (its top not followed if a link), on its filesystem; a walk
   a rename cut short is tried again, and the largest of the tries counts.  */
unsigned long long
podrun_du (const char *dir)
{
  unsigned long long best = 0;
  int tries;
  for (tries = 0; tries < 3; tries++)
    {
      struct seen s = { 0 };
      struct stat st;
      unsigned long long total;
      int incomplete = 0, fd = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0 || fstat (fd, &st) < 0)
        {
          if (fd >= 0)
            close (fd);
          return best;
        }
      total = (unsigned long long) st.st_blocks * 512ULL + walk (fd, st.st_dev, &s, &incomplete);
      free (s.keys);
      if (total > best)
        best = total;
      if (!incomplete)
        break;
    }
  return best;
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
