/* The TLS client of an httpGet probe with `scheme: HTTPS` (docs/supervision.md "HTTPS probes",
   kubelet-rules.md §4.6): what the kubelet's transport does with `InsecureSkipVerify: true`, so
   any certificate chain is accepted (self-signed, expired, for another name) and only its leaf's
   public key is read, for the handshake to go on.  BearSSL's engine, which does no I/O: the
   monitor owns the socket, its deadline and the loop, and moves ciphertext between the socket
   and this; the HTTP client writes and reads plaintext through it.  No system calls and no
   allocation: the caller gives the seed (getrandom(2)) and the memory (sizeof: 21 776 bytes).

   TLS 1.2 only (BearSSL 0.6 has no TLS 1.3; the kubelet's Go offers 1.2 and 1.3, so a server
   that only speaks 1.3 passes there and fails here with the server's protocol_version alert).
   The cipher suites and curves are Go's client defaults that BearSSL has: ECDHE with ECDSA or
   RSA, AES-GCM, ChaCha20-Poly1305 and AES-CBC-SHA; X25519, P-256, P-384, P-521.  */
#ifndef PODRUN_TLS_CLIENT_H
#define PODRUN_TLS_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#define PODRUN_TLS_SEED_MIN 16 /* bytes of entropy podrun_tls_init needs at least (32 are given) */
#define PODRUN_TLS_WHY_MAX 128

/* The X.509 "engine" that verifies nothing: it decodes the first certificate (the server's) to
   hand its key to the handshake, and accepts the chain whatever it says (as Go's client with
   InsecureSkipVerify, which also still fails on a certificate it cannot parse).  */
struct podrun_tls_x509
{
  const br_x509_class *vtable; /* first: BearSSL calls through a pointer to it */
  br_x509_decoder_context leaf;
  unsigned certs; /* certificates in the chain so far */
};

struct podrun_tls_client
{
  br_ssl_client_context cc;
  struct podrun_tls_x509 x509;
  uint8_t head[5]; /* the first bytes the server sent: what it speaks if not TLS */
  size_t head_len;
  int eof;                      /* the server closed its side */
  int open;                     /* the handshake was done */
  int failed;                   /* podrun_tls_init failed, or EOF in the handshake */
  char why[PODRUN_TLS_WHY_MAX]; /* PODRUN_TLS_FAILED */
  /* half-duplex (mono): the HTTP exchange is a request, then its response */
  unsigned char iobuf[BR_SSL_BUFSIZE_MONO];
};

enum podrun_tls_state
{
  PODRUN_TLS_HANDSHAKE = 0, /* not yet: move ciphertext */
  PODRUN_TLS_OPEN,          /* handshake done: plaintext can be written and read */
  PODRUN_TLS_CLOSED,        /* the server closed (close_notify, or TCP after the handshake) and all was read */
  PODRUN_TLS_FAILED         /* podrun_tls_error says why */
};

/* What the engine waits for, for epoll: ciphertext to send (EPOLLOUT), to receive (EPOLLIN).  */
enum
{
  PODRUN_TLS_WANT_SEND = 1,
  PODRUN_TLS_WANT_RECV = 2
};

/* Prepares T for one connection to HOST, the probe URL's host (httpGet.host or the pod's IP):
   sent as SNI unless it is an IP address (as Go), a trailing dot dropped.  SEED: SEED_LEN bytes
   from the kernel's random source.  0, or -1 with podrun_tls_error (T): a host longer than 255,
   too little seed.  After that the ClientHello is waiting in podrun_tls_out.  */
int podrun_tls_init (struct podrun_tls_client *t, const char *host, const uint8_t *seed, size_t seed_len);

enum podrun_tls_state podrun_tls_state (struct podrun_tls_client *t);
unsigned podrun_tls_wants (struct podrun_tls_client *t);

/* Ciphertext to send: its address and *LEN (NULL, 0: none now).  After send(2) took N of them,
   podrun_tls_sent (T, N).  */
const uint8_t *podrun_tls_out (struct podrun_tls_client *t, size_t *len);
void podrun_tls_sent (struct podrun_tls_client *t, size_t n);

/* Where received ciphertext goes: recv(2) into podrun_tls_in (T, &cap) (NULL: the engine takes
   none now: drain podrun_tls_out and podrun_tls_read first), then podrun_tls_received (T, N).
   podrun_tls_feed copies from P instead and returns how many of N it took (the rest is the
   caller's to feed again after draining).  podrun_tls_eof: recv(2) returned 0.  */
uint8_t *podrun_tls_in (struct podrun_tls_client *t, size_t *cap);
void podrun_tls_received (struct podrun_tls_client *t, size_t n);
size_t podrun_tls_feed (struct podrun_tls_client *t, const uint8_t *p, size_t n);
void podrun_tls_eof (struct podrun_tls_client *t);

/* Plaintext, once OPEN.  podrun_tls_write takes up to N bytes (0: not now) into the record
   being built; podrun_tls_flush seals it so podrun_tls_out has it.  podrun_tls_read copies up
   to CAP bytes the server sent (0: none now; the state says whether more may come).  */
size_t podrun_tls_write (struct podrun_tls_client *t, const uint8_t *p, size_t n);
void podrun_tls_flush (struct podrun_tls_client *t);
size_t podrun_tls_read (struct podrun_tls_client *t, uint8_t *buf, size_t cap);

/* CLOSED by a close_notify (1) or by the TCP connection's end alone (0: a response without
   Content-Length may be cut short; HTTP decides).  */
int podrun_tls_closed_cleanly (struct podrun_tls_client *t);

/* The server answered in plain HTTP ("HTTP/" where a TLS record should be): a lifecycle
   httpGet hook then retries once with http (kubelet-rules.md §5, LifecycleHTTPFallback).  */
int podrun_tls_got_http (const struct podrun_tls_client *t);

/* Why FAILED, for the probe's output, in the words of Go's client where it has its own (e.g.
   "http: server gave HTTP response to HTTPS client", "remote error: tls: handshake failure");
   NULL when not FAILED.  */
const char *podrun_tls_error (struct podrun_tls_client *t);

#endif
