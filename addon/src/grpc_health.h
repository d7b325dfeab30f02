/* The gRPC health check of a `grpc` probe (docs/supervision.md, kubelet-rules.md §4.7): one
   grpc.health.v1.Health/Check over plaintext HTTP/2 with prior knowledge (h2c, as the kubelet's
   insecure credentials dial it), as bytes in and bytes out.  No system calls: the monitor owns
   the socket, its deadline and the loop; this only builds the request and reads the answer.  */
#ifndef PODRUN_GRPC_HEALTH_H
#define PODRUN_GRPC_HEALTH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The longest request podrun_grpc_request builds (authority and service are bounded by it).  */
#define PODRUN_GRPC_REQUEST_MAX 1024

/* The client's whole side: the connection preface, SETTINGS, the HEADERS of POST
   /grpc.health.v1.Health/Check and its one DATA frame (HealthCheckRequest{service}).  -1:
   AUTHORITY, SERVICE or USER_AGENT too long (or not a header value) for CAP.  */
ssize_t podrun_grpc_request (uint8_t *buf, size_t cap, const char *authority, const char *service,
                             const char *user_agent);

enum podrun_grpc_result
{
  PODRUN_GRPC_MORE = 0,    /* read on */
  PODRUN_GRPC_SERVING,     /* status SERVING: the probe passes */
  PODRUN_GRPC_NOT_SERVING, /* another status: `status` says which */
  PODRUN_GRPC_RPC_ERROR,   /* the call ended without a response: `grpc_status` if it could be read */
  PODRUN_GRPC_PROTOCOL     /* not HTTP/2 as a gRPC server speaks it: `why` */
};

/* HealthCheckResponse.ServingStatus.  */
enum podrun_grpc_serving
{
  PODRUN_GRPC_UNKNOWN = 0,
  PODRUN_GRPC_SERVING_STATUS = 1,
  PODRUN_GRPC_NOT_SERVING_STATUS = 2,
  PODRUN_GRPC_SERVICE_UNKNOWN = 3
};

/* grpc-status 12: the server has no grpc.health.v1.Health.  */
#define PODRUN_GRPC_UNIMPLEMENTED 12

struct podrun_grpc_reader
{
  /* the frame being read */
  uint8_t head[9];
  size_t head_len;
  uint32_t left; /* payload bytes still to come */
  uint8_t type, flags;
  uint32_t stream;
  uint8_t pad; /* DATA/HEADERS padding still to skip at the payload's end */
  int pad_read;
  /* what is kept of it: a PING's opaque data, a stream 1 HEADERS block (trailers) */
  uint8_t keep[512];
  size_t kept;
  /* the gRPC message on stream 1: 5-byte prefix, then at most sizeof msg bytes */
  uint8_t prefix[5];
  size_t prefix_len;
  uint32_t msg_want;
  uint8_t msg[64];
  size_t msg_len;
  int have_message;
  int status;      /* the response's serving status */
  int grpc_status; /* from the trailers; -1: none read */
  const char *why; /* PODRUN_GRPC_PROTOCOL */
  int result;
};

void podrun_grpc_reader_init (struct podrun_grpc_reader *r);

/* Reads N bytes the server sent; appends what the client must send back (SETTINGS and PING
   acknowledgements) to REPLY (at most CAP bytes; 64 always suffice for one call's worth of
   input of up to 4 frames... the caller gives 256 and sends them at once).  Returns the result so
   far: MORE until the call's end.  */
enum podrun_grpc_result podrun_grpc_feed (struct podrun_grpc_reader *r, const uint8_t *p, size_t n, uint8_t *reply,
                                          size_t cap, size_t *reply_len);

/* "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN", "UNKNOWN" (any other number).  */
const char *podrun_grpc_status_name (int status);

/* The probe's output for a finished call, in the kubelet's words (kubelet-rules.md §4.7):
   `service healthy`, `service unhealthy (responded with "NOT_SERVING")`, `error: this server
   does not implement the grpc health protocol (grpc.health.v1.Health): rpc error: code =
   Unimplemented`, `error: health rpc probe failed: rpc error: code = NotFound`, ...  */
void podrun_grpc_output (const struct podrun_grpc_reader *r, char *buf, size_t cap);

#endif
