/* Container output to CRI log lines: `TIMESTAMP STREAM F|P TEXT\n`.  A line longer than the
   16 KiB buffer is cut into `P` records followed by an `F` one, as containerd does.  Records go
   straight to the file with write(2) (O_APPEND) so a reader tailing it (`podrun logs -f`) sees
   them at once and nothing is lost if any other process dies.  */
#include "cri_log.h"

#include <stdio.h>
#include <string.h>

struct out_buf
{
  size_t len;
  char data[sizeof (((struct podrun_log_stream *) 0)->buf) * 2 + 256];
};

static void
out_flush (struct podrun_log_stream *s, struct out_buf *o)
{
  if (o->len && podrun_write_all (s->log_fd, o->data, o->len) < 0)
    podrun_log ("cannot write container log: errno %d", errno);
  else
    s->written += o->len;
  o->len = 0;
}

static void
emit (struct podrun_log_stream *s, struct out_buf *o, const char *ts, char tag, const char *text, size_t len)
{
  size_t need = strlen (ts) + strlen (s->name) + len + 6;
  if (o->len + need > sizeof o->data)
    out_flush (s, o);
  o->len += (size_t) snprintf (o->data + o->len, sizeof o->data - o->len, "%s %s %c ", ts, s->name, tag);
  memcpy (o->data + o->len, text, len);
  o->len += len;
  o->data[o->len++] = '\n';
}

/* Emits every complete line in the buffer and keeps the rest; a full buffer without a newline
   goes out as a partial record.  */
static void
drain_lines (struct podrun_log_stream *s, struct out_buf *o, const char *ts)
{
  size_t start = 0;
  for (;;)
    {
      char *nl = memchr (s->buf + start, '\n', s->len - start);
      if (nl == NULL)
        break;
      emit (s, o, ts, 'F', s->buf + start, (size_t) (nl - (s->buf + start)));
      start = (size_t) (nl - s->buf) + 1;
    }
  if (start == 0 && s->len == sizeof s->buf)
    {
      emit (s, o, ts, 'P', s->buf, s->len);
      start = s->len;
    }
  memmove (s->buf, s->buf + start, s->len - start);
  s->len -= start;
}

/* The records of one read or flush before they are written: 33 KiB, static (zero pages until a
   line that long comes; on the stack, every flush made it resident for the pod's life).  Empty
   between calls: each call writes what it built.  */
static struct out_buf out;

void
podrun_log_stream_flush (struct podrun_log_stream *s)
{
  struct out_buf *o = &out;
  char ts[PODRUN_TIME_LEN];
  if (s->len == 0)
    return;
  o->len = 0;
  podrun_now (ts);
  emit (s, o, ts, 'P', s->buf, s->len);
  s->len = 0;
  out_flush (s, o);
}

int
podrun_log_stream_read (struct podrun_log_stream *s, int bounded)
{
  struct out_buf *o = &out;
  char ts[PODRUN_TIME_LEN];
  int eof = 0, rounds;

  if (s->fd < 0)
    return 1;
  o->len = 0;
  podrun_now (ts);
  /* A bounded number of reads per event: a container that floods its stdout must not keep the
     monitor from its signals and the other streams.  epoll is level-triggered, so the rest comes
     next round.  Draining before an exit record or at shutdown reads everything.  */
  for (rounds = 0; !bounded || rounds < 16; rounds++)
    {
      ssize_t n = read (s->fd, s->buf + s->len, sizeof s->buf - s->len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        break;
      /* EIO: the pty master once every slave fd is closed.  */
      if (n <= 0)
        {
          eof = 1;
          break;
        }
      s->len += (size_t) n;
      drain_lines (s, o, ts);
    }
  out_flush (s, o);
  if (eof)
    {
      podrun_log_stream_flush (s);
      close (s->fd);
      s->fd = -1;
    }
  return eof;
}
