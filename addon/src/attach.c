/* podrun-helper attach-stdin: the input half of `podrun attach -i` (docs/protocol.md, "attach").
   Asks the pod's monitor on its control socket for container NAME's stdin (`stdin NAME`: the
   write end of its stdin pipe, or its pty master for `tty: true`, passed with SCM_RIGHTS), then
   copies this process's stdin to it until EOF. With --tty the local terminal is put in raw mode
   (every key goes to the container, Ctrl-C too, as kubectl attach -t) and its size is set on the
   pty, again on each SIGWINCH. It never enters a namespace: the fd is all it needs. Output is
   not its business: Node follows the container's log.  */
#define _GNU_SOURCE
#include "attach.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#define HELLO "podrun-control 1\n"

static struct termios saved;
static int restore_tty;

static void
restore_terminal (void)
{
  if (restore_tty)
    tcsetattr (0, TCSANOW, &saved);
  restore_tty = 0;
}

/* The monitor's control socket, reached through an O_PATH fd of the pod dir (a long path still
   fits sun_path, as the monitor binds it).  */
static int
connect_control (const char *pod_dir)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  int dir = open (pod_dir, O_PATH | O_DIRECTORY | O_CLOEXEC), fd;
  if (dir < 0)
    return -1;
  snprintf (sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/control.sock", dir);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0)
    {
      /* a monitor that does not answer (stopped, overloaded): given up on, as Node's requests do */
      struct timeval tv = { .tv_sec = 5 };
      setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
  if (fd >= 0 && connect (fd, (struct sockaddr *) &sa, sizeof sa) < 0)
    {
      int e = errno;
      close (fd);
      fd = -1;
      errno = e;
    }
  close (dir);
  return fd;
}

/* Reads one line (at most CAP - 1 bytes) and the fd that came with it, if any.  */
static int
recv_line (int sock, char *buf, size_t cap, int *fd)
{
  size_t len = 0;
  *fd = -1;
  while (len < cap - 1)
    {
      char ctl[CMSG_SPACE (sizeof (int))];
      struct iovec iov = { .iov_base = buf + len, .iov_len = 1 };
      struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
      ssize_t n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return -1;
      for (struct cmsghdr *cm = CMSG_FIRSTHDR (&msg); cm; cm = CMSG_NXTHDR (&msg, cm))
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS && cm->cmsg_len == CMSG_LEN (sizeof (int))
            && *fd < 0)
          memcpy (fd, CMSG_DATA (cm), sizeof (int));
        else if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
          {
            /* more than the one fd asked for: none is kept */
            size_t k = (cm->cmsg_len - CMSG_LEN (0)) / sizeof (int);
            for (size_t j = 0; j < k; j++)
              {
                int extra;
                memcpy (&extra, CMSG_DATA (cm) + j * sizeof (int), sizeof extra);
                close (extra);
              }
          }
      if (buf[len++] == '\n')
        break;
    }
  buf[len] = '\0';
  return 0;
}

static void
copy_size (int pty)
{
  struct winsize ws;
  if (ioctl (0, TIOCGWINSZ, &ws) == 0)
    ioctl (pty, TIOCSWINSZ, &ws);
}

#define DETACHED 3 /* the exit status after the detach keys (Node ends the attach, saying how to resume) */
#define MAX_DETACH 16

/* Copies stdin to OUT until EOF; 0, DETACHED, or 1 with the reason said. OUT is written without
   ever blocking (O_NONBLOCK: the pty master is, the monitor makes the pipe so): a container that
   does not read holds the input here, and a SIGTERM still ends the relay at once. In raw mode
   (DETACH set) the detach keys end it, as kubectl's (ctrl-p,ctrl-q): a key of the sequence is held
   back until the sequence is broken, then sent.  */
static int
relay (int out, int tty, int sigfd, const unsigned char *detach, size_t n_detach)
{
  static char buf[16384 + MAX_DETACH];
  size_t len = 0, off = 0, matched = 0;
  int eof = 0, detaching = 0;
  (void) fcntl (out, F_SETFL, fcntl (out, F_GETFL) | O_NONBLOCK);
  for (;;)
    {
      struct pollfd p[3] = { { .fd = sigfd, .events = POLLIN },
                             { .fd = off < len ? -1 : 0, .events = POLLIN },
                             { .fd = off < len ? out : -1, .events = POLLOUT } };
      if (detaching && off == len)
        return DETACHED; /* what was typed before the keys went first */
      if (eof && off == len)
        return 0; /* EOF and all of it written: nothing more to send (the container's stdin stays open) */
      if (poll (p, 3, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return 1;
        }
      if (p[0].revents & POLLIN)
        {
          struct signalfd_siginfo si;
          if (read (sigfd, &si, sizeof si) != (ssize_t) sizeof si)
            continue;
          if (si.ssi_signo != SIGWINCH)
            return 0; /* SIGTERM/SIGHUP: the attach ends, the container's stdin stays open */
          if (tty)
            copy_size (out);
        }
      if (p[2].revents & (POLLERR | POLLHUP))
        return 0; /* the container ended, its stdin with it */
      if (off < len && (p[2].revents & POLLOUT))
        {
          ssize_t w = write (out, buf + off, len - off);
          if (w < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
          if (w < 0)
            {
              if (errno != EPIPE && errno != EIO)
                fprintf (stderr, "podrun-helper attach-stdin: write: %s\r\n", strerror (errno));
              return errno == EPIPE || errno == EIO ? 0 : 1;
            }
          off += (size_t) w;
          if (off == len)
            off = len = 0;
        }
      if (off == len && !eof && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
        {
          char in[16384];
          ssize_t n = read (0, in, sizeof in);
          if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
          if (n <= 0)
            {
              /* keys held as a possible detach sequence are sent after all */
              memcpy (buf, detach ? detach : (const unsigned char *) "", matched);
              off = 0;
              len = matched;
              matched = 0;
              eof = 1;
              continue;
            }
          len = off = 0;
          for (ssize_t i = 0; i < n; i++)
            {
              unsigned char b = (unsigned char) in[i];
              if (n_detach && b == detach[matched])
                {
                  if (++matched == n_detach)
                    {
                      detaching = 1; /* the rest of this read is not sent */
                      matched = 0;
                      break;
                    }
                  continue;
                }
              /* the sequence broken: what was held goes first; this byte may start it again */
              memcpy (buf + len, detach, matched);
              len += matched;
              matched = 0;
              if (n_detach && b == detach[0])
                {
                  matched = 1;
                  continue;
                }
              buf[len++] = (char) b;
            }
        }
    }
}

/* `--detach-keys 16,17`: the bytes (Node parses kubectl's `ctrl-p,ctrl-q` form).  */
static size_t
parse_detach (const char *s, unsigned char *out)
{
  size_t n = 0;
  while (*s && n < MAX_DETACH)
    {
      char *end;
      long v = strtol (s, &end, 10);
      if (end == s || v < 0 || v > 255)
        return 0;
      out[n++] = (unsigned char) v;
      s = *end == ',' ? end + 1 : end;
      if (*end && *end != ',')
        return 0;
    }
  return n;
}

int
podrun_attach_stdin_main (int argc, char **argv)
{
  const char *pod_dir = NULL, *name = NULL;
  int tty = 0, sock, fd = -1, rc, sigfd = -1, ready = -1;
  unsigned char detach[MAX_DETACH];
  size_t n_detach = 0;
  char line[512];
  sigset_t set;
  for (int i = 2; i < argc; i++)
    if (strcmp (argv[i], "--pod-dir") == 0 && i + 1 < argc)
      pod_dir = argv[++i];
    else if (strcmp (argv[i], "--container") == 0 && i + 1 < argc)
      name = argv[++i];
    else if (strcmp (argv[i], "--tty") == 0)
      tty = 1;
    else if (strcmp (argv[i], "--ready-fd") == 0 && i + 1 < argc)
      ready = atoi (argv[++i]);
    else if (strcmp (argv[i], "--detach-keys") == 0 && i + 1 < argc)
      {
        if (!(n_detach = parse_detach (argv[++i], detach)))
          {
            fprintf (stderr, "podrun-helper attach-stdin: --detach-keys: bytes 0-255, comma-separated\n");
            return 2;
          }
      }
    else
      {
        fprintf (stderr, "usage: podrun-helper attach-stdin --pod-dir DIR --container NAME [--tty] [--ready-fd N] "
                         "[--detach-keys B,B]\n");
        return 2;
      }
  if (!pod_dir || !name || strchr (name, '\n') || strlen (name) > 253)
    {
      fprintf (stderr, "usage: podrun-helper attach-stdin --pod-dir DIR --container NAME [--tty] [--ready-fd N] "
                       "[--detach-keys B,B]\n");
      return 2;
    }
  signal (SIGPIPE, SIG_IGN);
  /* The attach (Node) that started it may be killed outright: the relay ends with it (SIGTERM,
     taken below as the end, so a raw terminal is given back), and never outlives it.  */
  {
    pid_t parent = getppid ();
    sigemptyset (&set);
    sigaddset (&set, SIGWINCH);
    sigaddset (&set, SIGTERM);
    sigaddset (&set, SIGHUP);
    if (sigprocmask (SIG_BLOCK, &set, NULL) == 0 && (sigfd = signalfd (-1, &set, SFD_CLOEXEC)) < 0)
      sigprocmask (SIG_UNBLOCK, &set,
                   NULL); /* no signalfd: the signals keep their default action, never blocked for good */
    if (prctl (PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid () != parent)
      return 1;
  }
  sock = connect_control (pod_dir);
  if (sock < 0)
    {
      fprintf (stderr, "podrun-helper attach-stdin: cannot reach the pod's monitor (%s)\n", strerror (errno));
      return 1;
    }
  if (recv_line (sock, line, sizeof line, &fd) < 0 || strcmp (line, HELLO) != 0)
    {
      fprintf (stderr, "podrun-helper attach-stdin: the monitor did not answer\n");
      return 1;
    }
  if (fd >= 0)
    close (fd);
  if (dprintf (sock, HELLO "stdin %s\n", name) < 0 || recv_line (sock, line, sizeof line, &fd) < 0)
    {
      fprintf (stderr, "podrun-helper attach-stdin: the monitor did not answer\n");
      return 1;
    }
  close (sock);
  if (strcmp (line, "ok\n") != 0 || fd < 0)
    {
      if (fd >= 0)
        close (fd);
      /* `error ERRNO text`: the text is for the user (Node prints it) */
      fprintf (stderr, "podrun-helper attach-stdin: %s", strncmp (line, "error ", 6) == 0 ? line + 6 : line);
      return 1;
    }
  /* --ready-fd N: `ok` there once the stdin is ours (Node follows the log from then on).  */
  if (ready > 2)
    {
      if (write (ready, "ok\n", 3) != 3)
        {
          close (fd);
          return 1;
        }
      close (ready);
    }
  if (tty && isatty (0) && tcgetattr (0, &saved) == 0)
    {
      struct termios raw = saved;
      cfmakeraw (&raw);
      restore_tty = tcsetattr (0, TCSANOW, &raw) == 0;
      atexit (restore_terminal);
      copy_size (fd);
    }
  /* the detach keys only where kubectl has them: a raw terminal  */
  rc = relay (fd, tty, sigfd, restore_tty ? detach : NULL, restore_tty ? n_detach : 0);
  restore_terminal ();
  close (fd);
  return rc;
}
