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

/* Copies stdin to OUT until EOF; 0, or 1 with the reason said.  */
static int
relay (int out, int tty, int sigfd)
{
  char buf[16384];
  for (;;)
    {
      struct pollfd p[2] = { { .fd = 0, .events = POLLIN }, { .fd = sigfd, .events = POLLIN } };
      if (poll (p, sigfd >= 0 ? 2 : 1, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return 1;
        }
      if (sigfd >= 0 && (p[1].revents & POLLIN))
        {
          struct signalfd_siginfo si;
          if (read (sigfd, &si, sizeof si) != (ssize_t) sizeof si)
            continue;
          if (si.ssi_signo != SIGWINCH)
            return 0; /* SIGTERM/SIGHUP: the attach ends, the container's stdin stays open */
          if (tty)
            copy_size (out);
        }
      if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
        {
          ssize_t n = read (0, buf, sizeof buf);
          if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
          if (n <= 0)
            return 0; /* EOF: nothing more to send (the container's stdin stays open, as without stdinOnce) */
          for (ssize_t off = 0; off < n;)
            {
              ssize_t w = write (out, buf + off, (size_t) (n - off));
              if (w < 0 && errno == EINTR)
                continue;
              if (w < 0)
                {
                  /* EPIPE: the container ended (its stdin with it) */
                  if (errno != EPIPE && errno != EIO)
                    fprintf (stderr, "podrun-helper attach-stdin: write: %s\n", strerror (errno));
                  return errno == EPIPE || errno == EIO ? 0 : 1;
                }
              off += w;
            }
        }
    }
}

int
podrun_attach_stdin_main (int argc, char **argv)
{
  const char *pod_dir = NULL, *name = NULL;
  int tty = 0, sock, fd = -1, rc, sigfd = -1, ready = -1;
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
    else
      {
        fprintf (stderr, "usage: podrun-helper attach-stdin --pod-dir DIR --container NAME [--tty] [--ready-fd N]\n");
        return 2;
      }
  if (!pod_dir || !name || strchr (name, '\n') || strlen (name) > 253)
    {
      fprintf (stderr, "usage: podrun-helper attach-stdin --pod-dir DIR --container NAME [--tty]\n");
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
    if (sigprocmask (SIG_BLOCK, &set, NULL) == 0)
      sigfd = signalfd (-1, &set, SFD_CLOEXEC);
    if (prctl (PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid () != parent)
      return 1;
  }
  sock = connect_control (pod_dir);
  if (sock < 0)
    {
      fprintf (stderr, "podrun-helper attach-stdin: the pod's monitor is not there (%s)\n", strerror (errno));
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
  rc = relay (fd, tty, sigfd);
  restore_terminal ();
  close (fd);
  return rc;
}
