/* gRPC health checks over h2c (grpc_health.h).  HTTP/2 is RFC 9113, HPACK RFC 7541, the call
   and its framing gRPC's PROTOCOL-HTTP2.md, the messages grpc/health/v1/health.proto.  The
   client needs little of them: one stream, a request it encodes with HPACK literals only (no
   Huffman, no table), and of the answer only the DATA of stream 1 (a HealthCheckResponse) and
   the trailers' grpc-status.  */
#include "grpc_health.h"

#include <stdio.h>
#include <string.h>

enum
{
  F_DATA = 0,
  F_HEADERS = 1,
  F_RST_STREAM = 3,
  F_SETTINGS = 4,
  F_PUSH_PROMISE = 5,
  F_PING = 6,
  F_GOAWAY = 7,
  FL_END_STREAM = 0x1,
  FL_ACK = 0x1,
  FL_END_HEADERS = 0x4,
  FL_PADDED = 0x8,
  FL_PRIORITY = 0x20,
  MAX_FRAME = 16384 /* SETTINGS_MAX_FRAME_SIZE's initial value: the client never raises it */
};

static const char PREFACE[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
static const char PATH[] = "/grpc.health.v1.Health/Check";

/* "grpc-status" as an HPACK Huffman string (RFC 7541 §5.2, Appendix B), how servers write the
   trailer's name when it is shorter so (nghttp2 and Go's hpack both do).  */
static const uint8_t GRPC_STATUS_HUFFMAN[] = { 0x9a, 0xca, 0xc8, 0xb2, 0x12, 0x34, 0xda, 0x8f };

struct out
{
  uint8_t *p;
  size_t len, cap;
  int full;
};

static void
put (struct out *o, const void *s, size_t n)
{
  if (o->full || o->cap - o->len < n)
    {
      o->full = 1;
      return;
    }
  memcpy (o->p + o->len, s, n);
  o->len += n;
}

static void
put_frame_head (struct out *o, size_t len, uint8_t type, uint8_t flags, uint32_t stream)
{
  uint8_t h[9]
      = { (uint8_t) (len >> 16),    (uint8_t) (len >> 8),    (uint8_t) len,   type, flags, (uint8_t) (stream >> 24),
          (uint8_t) (stream >> 16), (uint8_t) (stream >> 8), (uint8_t) stream };
  put (o, h, sizeof h);
}

/* An HPACK integer with an N-bit prefix whose other bits are FIRST (§5.1).  */
static void
put_int (struct out *o, uint8_t first, int n, size_t v)
{
  size_t max = ((size_t) 1 << n) - 1;
  uint8_t b;
  if (v < max)
    {
      b = (uint8_t) (first | v);
      put (o, &b, 1);
      return;
    }
  b = (uint8_t) (first | max);
  put (o, &b, 1);
  for (v -= max; v >= 128; v >>= 7)
    {
      b = (uint8_t) (0x80 | (v & 0x7f));
      put (o, &b, 1);
    }
  b = (uint8_t) v;
  put (o, &b, 1);
}

/* A protobuf varint.  */
static void
put_varint (struct out *o, size_t v)
{
  uint8_t b;
  for (; v >= 0x80; v >>= 7)
    {
      b = (uint8_t) (0x80 | (v & 0x7f));
      put (o, &b, 1);
    }
  b = (uint8_t) v;
  put (o, &b, 1);
}

/* A string literal, not Huffman-coded (§5.2).  */
static void
put_str (struct out *o, const char *s)
{
  size_t n = strlen (s);
  put_int (o, 0x00, 7, n);
  put (o, s, n);
}

/* Literal Header Field without Indexing, the name by its static table index (0: a literal
   name, NAME) (§6.2.2).  */
static void
put_field (struct out *o, size_t index, const char *name, const char *value)
{
  put_int (o, 0x00, 4, index);
  if (!index)
    put_str (o, name);
  put_str (o, value);
}

/* A header value podrun may write: printable, no CR or LF (that would end the field early in
   an HTTP/1 proxy, and HTTP/2 forbids it).  */
static int
header_value (const char *s)
{
  for (; *s; s++)
    if ((unsigned char) *s < 0x20 || (unsigned char) *s == 0x7f)
      return 0;
  return 1;
}

ssize_t
podrun_grpc_request (uint8_t *buf, size_t cap, const char *authority, const char *service, const char *user_agent)
{
  uint8_t block[PODRUN_GRPC_REQUEST_MAX], msg[PODRUN_GRPC_REQUEST_MAX];
  struct out o = { buf, 0, cap, 0 }, h = { block, 0, sizeof block, 0 }, m = { msg, 0, sizeof msg, 0 };
  size_t sl = strlen (service);
  uint8_t prefix[5];
  if (!header_value (authority) || !header_value (user_agent) || sl > 512)
    return -1;
  /* :method POST and :scheme http are whole entries of the static table (Appendix A: 3, 6).  */
  put (&h, "\x83\x86", 2);
  put_field (&h, 4, NULL, PATH);                /* :path */
  put_field (&h, 1, NULL, authority);           /* :authority */
  put_field (&h, 31, NULL, "application/grpc"); /* content-type */
  put_field (&h, 58, NULL, user_agent);         /* user-agent */
  put_field (&h, 0, "te", "trailers");
  /* HealthCheckRequest{service}: field 1, length-delimited; an empty one is no field at all.  */
  if (sl)
    {
      put (&m, "\x0a", 1);
      put_varint (&m, sl);
      put (&m, service, sl);
    }
  if (h.full || m.full)
    return -1;
  prefix[0] = 0; /* not compressed */
  prefix[1] = (uint8_t) (m.len >> 24);
  prefix[2] = (uint8_t) (m.len >> 16);
  prefix[3] = (uint8_t) (m.len >> 8);
  prefix[4] = (uint8_t) m.len;
  put (&o, PREFACE, sizeof PREFACE - 1);
  /* SETTINGS: no server push (2 = 0), and no dynamic table for what the server sends (1 = 0).  */
  put_frame_head (&o, 12, F_SETTINGS, 0, 0);
  put (&o, "\x00\x02\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00", 12);
  put_frame_head (&o, h.len, F_HEADERS, FL_END_HEADERS, 1);
  put (&o, block, h.len);
  put_frame_head (&o, 5 + m.len, F_DATA, FL_END_STREAM, 1);
  put (&o, prefix, 5);
  put (&o, msg, m.len);
  return o.full ? -1 : (ssize_t) o.len;
}

void
podrun_grpc_reader_init (struct podrun_grpc_reader *r)
{
  memset (r, 0, sizeof *r);
  r->status = -1;
  r->grpc_status = -1;
}

const char *
podrun_grpc_status_name (int status)
{
  switch (status)
    {
    case PODRUN_GRPC_SERVING_STATUS:
      return "SERVING";
    case PODRUN_GRPC_NOT_SERVING_STATUS:
      return "NOT_SERVING";
    case PODRUN_GRPC_SERVICE_UNKNOWN:
      return "SERVICE_UNKNOWN";
    default:
      return "UNKNOWN";
    }
}

static enum podrun_grpc_result
fail (struct podrun_grpc_reader *r, const char *why)
{
  r->why = why;
  return (enum podrun_grpc_result) (r->result = PODRUN_GRPC_PROTOCOL);
}

/* HealthCheckResponse: field 1 (status) is a varint; anything else is skipped as protobuf's
   wire format says.  */
static int
parse_response (const uint8_t *p, size_t n)
{
  size_t i = 0;
  int status = PODRUN_GRPC_UNKNOWN;
  while (i < n)
    {
      uint64_t key = 0, v = 0;
      int s;
      for (s = 0; i < n && s < 64; s += 7)
        {
          key |= (uint64_t) (p[i] & 0x7f) << s;
          if (!(p[i++] & 0x80))
            break;
        }
      switch (key & 7)
        {
        case 0:
          for (s = 0; i < n && s < 64; s += 7)
            {
              v |= (uint64_t) (p[i] & 0x7f) << s;
              if (!(p[i++] & 0x80))
                break;
            }
          if (key >> 3 == 1)
            status = v > 0x7fffffff ? PODRUN_GRPC_UNKNOWN : (int) v;
          break;
        case 1:
          i += 8;
          break;
        case 2:
          for (s = 0; i < n && s < 64; s += 7)
            {
              v |= (uint64_t) (p[i] & 0x7f) << s;
              if (!(p[i++] & 0x80))
                break;
            }
          i = v > n - i ? n : i + v;
          break;
        case 5:
          i += 4;
          break;
        default:
          return -1;
        }
    }
  return status;
}

/* An HPACK integer with an N-bit prefix at P (at most END); -1: cut or too big.  */
static long
get_int (const uint8_t **p, const uint8_t *end, int n)
{
  long max = (1L << n) - 1, v;
  int s;
  if (*p >= end)
    return -1;
  v = **p & max;
  (*p)++;
  if (v < max)
    return v;
  for (s = 0; *p < end && s < 28; s += 7)
    {
      uint8_t b = *(*p)++;
      v += (long) (b & 0x7f) << s;
      if (!(b & 0x80))
        return v;
    }
  return -1;
}

/* A string literal at P: its bytes (still Huffman-coded if *HUFF).  */
static const uint8_t *
get_str (const uint8_t **p, const uint8_t *end, size_t *len, int *huff)
{
  const uint8_t *s;
  long n;
  if (*p >= end)
    return NULL;
  *huff = **p & 0x80;
  n = get_int (p, end, 7);
  if (n < 0 || n > end - *p)
    return NULL;
  s = *p;
  *p += n;
  *len = (size_t) n;
  return s;
}

/* A grpc-status value: decimal digits, plain or Huffman-coded ('0' to '2' are the 5-bit codes
   0 to 2, '3' to '9' the 6-bit codes 0x19 to 0x1f; the padding is up to 7 one bits).  */
static int
status_value (const uint8_t *s, size_t n, int huff)
{
  long v = 0;
  size_t i;
  if (!huff)
    {
      if (!n || n > 3)
        return -1;
      for (i = 0; i < n; i++)
        {
          if (s[i] < '0' || s[i] > '9')
            return -1;
          v = v * 10 + (s[i] - '0');
        }
      return (int) v;
    }
  {
    size_t bit = 0, bits = n * 8, digits = 0;
#define BITS(k) (((s[(bit + (k)) / 8] >> (7 - (bit + (k)) % 8)) & 1))
    while (bits - bit >= 5)
      {
        unsigned c5 = 0, c6, k;
        for (k = 0; k < 5; k++)
          c5 = c5 << 1 | BITS (k);
        if (c5 <= 2)
          {
            v = v * 10 + c5;
            bit += 5;
          }
        else if (bits - bit >= 6 && (c6 = c5 << 1 | BITS (5)) >= 0x19 && c6 <= 0x1f)
          {
            v = v * 10 + (c6 - 0x19 + 3);
            bit += 6;
          }
        else
          break;
        if (++digits > 3)
          return -1;
      }
    /* what is left must be EOS padding: fewer than 8 one bits */
    if (bits - bit >= 8 || !digits)
      return -1;
    for (; bit < bits; bit++)
      if (!BITS (0))
        return -1;
#undef BITS
  }
  return (int) v;
}

/* The grpc-status of a trailers block (-1: not there, or not readable without a table).  */
static int
trailer_status (const uint8_t *p, size_t n)
{
  const uint8_t *end = p + n;
  while (p < end)
    {
      uint8_t b = *p;
      long index;
      const uint8_t *name = NULL, *value;
      size_t nl = 0, vl;
      int nh = 0, vh;
      if (b & 0x80)
        index = get_int (&p, end, 7); /* indexed: a whole entry, never grpc-status */
      else if ((b & 0xe0) == 0x20)
        index = get_int (&p, end, 5); /* a table size update */
      else
        {
          index = get_int (&p, end, (b & 0xc0) == 0x40 ? 6 : 4);
          if (index == 0 && !(name = get_str (&p, end, &nl, &nh)))
            return -1;
          if (!(value = get_str (&p, end, &vl, &vh)))
            return -1;
          if (name
              && ((!nh && nl == 11 && memcmp (name, "grpc-status", 11) == 0)
                  || (nh && nl == sizeof GRPC_STATUS_HUFFMAN && memcmp (name, GRPC_STATUS_HUFFMAN, nl) == 0)))
            return status_value (value, vl, vh);
          continue;
        }
      if (index < 0)
        return -1;
    }
  return -1;
}

/* The end of stream 1: how the call came out.  */
static enum podrun_grpc_result
call_end (struct podrun_grpc_reader *r)
{
  if (r->have_message)
    r->result = r->status == PODRUN_GRPC_SERVING_STATUS ? PODRUN_GRPC_SERVING : PODRUN_GRPC_NOT_SERVING;
  else
    r->result = PODRUN_GRPC_RPC_ERROR;
  return (enum podrun_grpc_result) r->result;
}

/* Payload bytes of a DATA frame on stream 1: the gRPC message, prefix first.  */
static int
message_bytes (struct podrun_grpc_reader *r, const uint8_t *p, size_t n)
{
  for (; n; p++, n--)
    {
      if (r->prefix_len < 5)
        {
          r->prefix[r->prefix_len++] = *p;
          if (r->prefix_len == 5)
            {
              if (r->prefix[0] != 0 || r->have_message)
                return -1; /* compressed (never asked for), or a second message */
              r->msg_want = (uint32_t) r->prefix[1] << 24 | (uint32_t) r->prefix[2] << 16 | (uint32_t) r->prefix[3] << 8
                            | r->prefix[4];
              if (r->msg_want > sizeof r->msg)
                return -1;
            }
        }
      else if (r->msg_len < r->msg_want)
        r->msg[r->msg_len++] = *p;
      else
        return -1;
      if (r->prefix_len == 5 && r->msg_len == r->msg_want)
        {
          int s = parse_response (r->msg, r->msg_len);
          if (s < 0)
            return -1;
          r->status = s;
          r->have_message = 1;
          r->prefix_len = 0;
          r->msg_len = 0;
        }
    }
  return 0;
}

/* A whole frame was read (its kept part in r->keep): what it means.  */
static enum podrun_grpc_result
frame_done (struct podrun_grpc_reader *r, struct out *reply)
{
  switch (r->type)
    {
    case F_SETTINGS:
      if (!(r->flags & FL_ACK))
        {
          put_frame_head (reply, 0, F_SETTINGS, FL_ACK, 0);
        }
      break;
    case F_PING:
      if (!(r->flags & FL_ACK) && r->kept == 8)
        {
          put_frame_head (reply, 8, F_PING, FL_ACK, 0);
          put (reply, r->keep, 8);
        }
      break;
    case F_HEADERS:
      if (r->stream == 1 && (r->flags & FL_END_STREAM))
        {
          r->grpc_status = trailer_status (r->keep, r->kept);
          return call_end (r);
        }
      break;
    case F_DATA:
      if (r->stream == 1 && (r->flags & FL_END_STREAM))
        return call_end (r);
      break;
    case F_RST_STREAM:
      if (r->stream == 1)
        return call_end (r);
      break;
    case F_GOAWAY:
      return call_end (r);
    case F_PUSH_PROMISE:
      return fail (r, "PUSH_PROMISE, though the client disabled push");
    default:
      break;
    }
  return PODRUN_GRPC_MORE;
}

enum podrun_grpc_result
podrun_grpc_feed (struct podrun_grpc_reader *r, const uint8_t *p, size_t n, uint8_t *reply, size_t cap,
                  size_t *reply_len)
{
  struct out o = { reply, 0, cap, 0 };
  *reply_len = 0;
  while (n && r->result == PODRUN_GRPC_MORE)
    {
      if (r->head_len < 9)
        {
          r->head[r->head_len++] = *p++;
          n--;
          if (r->head_len < 9)
            continue;
          r->left = (uint32_t) r->head[0] << 16 | (uint32_t) r->head[1] << 8 | r->head[2];
          r->type = r->head[3];
          r->flags = r->head[4];
          r->stream
              = ((uint32_t) r->head[5] << 24 | (uint32_t) r->head[6] << 16 | (uint32_t) r->head[7] << 8 | r->head[8])
                & 0x7fffffff;
          r->kept = 0;
          r->pad = 0;
          r->pad_read = !((r->type == F_DATA || r->type == F_HEADERS) && (r->flags & FL_PADDED));
          if (memcmp (r->head, "HTTP/", 5) == 0)
            return fail (r, "the server answered in HTTP/1, not HTTP/2");
          if (r->left > MAX_FRAME)
            return fail (r, "a frame larger than SETTINGS_MAX_FRAME_SIZE");
          if (r->type == F_HEADERS && r->stream == 1 && !(r->flags & FL_END_HEADERS))
            return fail (r, "a header block in CONTINUATION frames");
        }
      else
        {
          uint8_t b = *p++;
          n--;
          r->left--;
          if (!r->pad_read)
            {
              r->pad = b; /* the pad length comes first */
              r->pad_read = 1;
              if (r->pad > r->left)
                return fail (r, "padding longer than the frame");
            }
          else if (r->left < r->pad)
            ; /* padding */
          else if (r->type == F_DATA && r->stream == 1)
            {
              if (message_bytes (r, &b, 1) < 0)
                return fail (r, "a gRPC message that is not one HealthCheckResponse");
            }
          else if (r->type == F_HEADERS || r->type == F_PING)
            {
              if (r->kept < sizeof r->keep)
                r->keep[r->kept++] = b;
            }
        }
      if (r->head_len == 9 && r->left == 0)
        {
          enum podrun_grpc_result res;
          /* a HEADERS frame with PRIORITY starts with 5 bytes of it: not part of the block */
          if (r->type == F_HEADERS && (r->flags & FL_PRIORITY) && r->kept >= 5)
            {
              memmove (r->keep, r->keep + 5, r->kept - 5);
              r->kept -= 5;
            }
          res = frame_done (r, &o);
          r->head_len = 0;
          if (res != PODRUN_GRPC_MORE)
            break;
        }
    }
  *reply_len = o.len;
  return (enum podrun_grpc_result) r->result;
}

/* gRPC's status codes by number, as grpc-go names them in an `rpc error: code = ...`.  */
static const char *const CODES[]
    = { "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
        "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
        "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
        "DataLoss", "Unauthenticated" };

void
podrun_grpc_output (const struct podrun_grpc_reader *r, char *buf, size_t cap)
{
  char code[48];
  if (r->result == PODRUN_GRPC_SERVING)
    snprintf (buf, cap, "service healthy");
  else if (r->result == PODRUN_GRPC_NOT_SERVING)
    snprintf (buf, cap, "service unhealthy (responded with \"%s\")", podrun_grpc_status_name (r->status));
  else if (r->result == PODRUN_GRPC_PROTOCOL)
    snprintf (buf, cap, "error: health rpc probe failed: %s", r->why ? r->why : "not an HTTP/2 gRPC server");
  else
    {
      if (r->grpc_status >= 0 && (size_t) r->grpc_status < sizeof CODES / sizeof *CODES)
        snprintf (code, sizeof code, "code = %s", CODES[r->grpc_status]);
      else if (r->grpc_status >= 0)
        snprintf (code, sizeof code, "code = Code(%d)", r->grpc_status);
      else
        snprintf (code, sizeof code, "the call ended without a response");
      if (r->grpc_status == PODRUN_GRPC_UNIMPLEMENTED)
        snprintf (
            buf, cap,
            "error: this server does not implement the grpc health protocol (grpc.health.v1.Health): rpc error: %s",
            code);
      else
        snprintf (buf, cap, "error: health rpc probe failed: rpc error: %s", code);
    }
}
