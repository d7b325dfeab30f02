/* The HTTPS probe's TLS client (tls_client.h) over BearSSL's client engine.  BearSSL's API is
   bearssl.org/apidoc (bearssl_ssl.h: the engine's four channels sendrec/recvrec/sendapp/recvapp,
   each a buffer and an ack; bearssl_x509.h: the br_x509_class an engine calls for the server's
   chain, and br_x509_decoder).  What is accepted is the kubelet's: pkg/probe/http/http.go builds
   its transport with tls.Config{InsecureSkipVerify: true}, and Go's client then checks no chain,
   no name and no date, but still parses the leaf to use its key.  */
#include "tls_client.h"

#include <arpa/inet.h>
#include <string.h>

/* Go's crypto/tls client defaults (cipherSuitesPreferenceOrder less what is off by default: RSA
   key exchange, 3DES, the CBC-SHA256 suites) in BearSSL's names.  TLS 1.2 has no others to
   offer here: the ECDHE_*_CBC_SHA384/SHA256 suites Go never sends by default.  */
static const uint16_t SUITES[] = {
  BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,       BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
  BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,       BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
  BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
  BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,          BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
  BR_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,          BR_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
};

/* ---- the X.509 class that verifies nothing ---- */

static struct podrun_tls_x509 *
x509_of (const br_x509_class *const *ctx)
{
  return (struct podrun_tls_x509 *) (void *) ctx;
}

static void
x509_start_chain (const br_x509_class **ctx, const char *server_name)
{
  (void) server_name; /* no name check: InsecureSkipVerify */
  x509_of (ctx)->certs = 0;
}

static void
x509_start_cert (const br_x509_class **ctx, uint32_t length)
{
  struct podrun_tls_x509 *x = x509_of (ctx);
  (void) length;
  if (x->certs++ == 0)
    br_x509_decoder_init (&x->leaf, NULL, NULL);
}

static void
x509_append (const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
  struct podrun_tls_x509 *x = x509_of (ctx);
  if (x->certs == 1) /* the leaf; the rest of the chain is not read */
    br_x509_decoder_push (&x->leaf, buf, len);
}

static void
x509_end_cert (const br_x509_class **ctx)
{
  (void) ctx;
}

static unsigned
x509_end_chain (const br_x509_class **ctx)
{
  struct podrun_tls_x509 *x = x509_of (ctx);
  if (x->certs == 0)
    return BR_ERR_X509_EMPTY_CHAIN;
  /* 0 once the leaf decoded whole with an RSA or EC key; no date, name, issuer or usage check */
  return (unsigned) br_x509_decoder_last_error (&x->leaf);
}

static const br_x509_pkey *
x509_get_pkey (const br_x509_class *const *ctx, unsigned *usages)
{
  struct podrun_tls_x509 *x = x509_of (ctx);
  if (usages != NULL)
    *usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN; /* key usage not enforced, as Go's client */
  return br_x509_decoder_get_pkey (&x->leaf);
}

static const br_x509_class X509_ANY = {
  sizeof (struct podrun_tls_x509),
  x509_start_chain,
  x509_start_cert,
  x509_append,
  x509_end_cert,
  x509_end_chain,
  x509_get_pkey,
};

/* ---- messages ---- */

static void
why_set (struct podrun_tls_client *t, const char *a, const char *b)
{
  size_t n = 0, cap = sizeof t->why - 1;
  for (const char *s = a; s != NULL && *s != '\0' && n < cap; s++)
    t->why[n++] = *s;
  for (const char *s = b; s != NULL && *s != '\0' && n < cap; s++)
    t->why[n++] = *s;
  t->why[n] = '\0';
}

static void
why_code (struct podrun_tls_client *t, const char *a, unsigned code)
{
  char num[16], *p = num + sizeof num;
  *--p = '\0';
  *--p = ')';
  do
    *--p = (char) ('0' + code % 10);
  while ((code /= 10) != 0 && p > num);
  why_set (t, a, p);
}

/* The alert names in Go's crypto/tls words (alert.go), for "remote error: tls: <name>".  */
static const char *
alert_name (unsigned a)
{
  switch (a)
    {
    case BR_ALERT_CLOSE_NOTIFY:
      return "close notify";
    case BR_ALERT_UNEXPECTED_MESSAGE:
      return "unexpected message";
    case BR_ALERT_BAD_RECORD_MAC:
      return "bad record MAC";
    case BR_ALERT_RECORD_OVERFLOW:
      return "record overflow";
    case BR_ALERT_DECOMPRESSION_FAILURE:
      return "decompression failure";
    case BR_ALERT_HANDSHAKE_FAILURE:
      return "handshake failure";
    case BR_ALERT_BAD_CERTIFICATE:
      return "bad certificate";
    case BR_ALERT_UNSUPPORTED_CERTIFICATE:
      return "unsupported certificate";
    case BR_ALERT_CERTIFICATE_REVOKED:
      return "revoked certificate";
    case BR_ALERT_CERTIFICATE_EXPIRED:
      return "expired certificate";
    case BR_ALERT_CERTIFICATE_UNKNOWN:
      return "unknown certificate";
    case BR_ALERT_ILLEGAL_PARAMETER:
      return "illegal parameter";
    case BR_ALERT_UNKNOWN_CA:
      return "unknown certificate authority";
    case BR_ALERT_ACCESS_DENIED:
      return "access denied";
    case BR_ALERT_DECODE_ERROR:
      return "error decoding message";
    case BR_ALERT_DECRYPT_ERROR:
      return "error decrypting message";
    case BR_ALERT_PROTOCOL_VERSION:
      return "protocol version not supported";
    case BR_ALERT_INSUFFICIENT_SECURITY:
      return "insufficient security level";
    case BR_ALERT_INTERNAL_ERROR:
      return "internal error";
    case 86:
      return "inappropriate fallback";
    case BR_ALERT_USER_CANCELED:
      return "user canceled";
    case BR_ALERT_NO_RENEGOTIATION:
      return "no renegotiation";
    case 109:
      return "missing extension";
    case BR_ALERT_UNSUPPORTED_EXTENSION:
      return "unsupported extension";
    case 112:
      return "unrecognized name";
    case BR_ALERT_NO_APPLICATION_PROTOCOL:
      return "no application protocol";
    default:
      return NULL;
    }
}

/* A server that is not TLS at all, in the words of Go's transport (net/http: a
   RecordHeaderError whose bytes are "HTTP/"; crypto/tls: a first record of another type or
   version); NULL: its first bytes are a TLS record's or too few to tell.  */
static const char *
not_tls (const struct podrun_tls_client *t)
{
  if (podrun_tls_got_http (t))
    return "http: server gave HTTP response to HTTPS client";
  if (t->head_len >= 2 && !((t->head[0] == 22 || t->head[0] == 21) && t->head[1] == 3))
    return "tls: first record does not look like a TLS handshake";
  return NULL;
}

/* BearSSL's own failures, said as a probe's output can.  */
static void
explain (struct podrun_tls_client *t, int err)
{
  if (t->why[0] != '\0')
    return;
  if (not_tls (t) != NULL)
    return why_set (t, not_tls (t), NULL);
  if (err >= BR_ERR_RECV_FATAL_ALERT && err < BR_ERR_SEND_FATAL_ALERT)
    {
      const char *a = alert_name ((unsigned) (err - BR_ERR_RECV_FATAL_ALERT));
      if (a != NULL)
        return why_set (t, "remote error: tls: ", a);
      return why_code (t, "remote error: tls: alert (", (unsigned) (err - BR_ERR_RECV_FATAL_ALERT));
    }
  switch (err)
    {
    case BR_ERR_UNSUPPORTED_VERSION:
    case BR_ERR_BAD_VERSION:
      return why_set (t, "tls: server selected unsupported protocol version (this client has TLS 1.2 only)", NULL);
    case BR_ERR_BAD_CIPHER_SUITE:
      return why_set (t, "tls: server chose an unconfigured cipher suite", NULL);
    case BR_ERR_BAD_MAC:
      return why_set (t, "local error: tls: bad record MAC", NULL);
    case BR_ERR_BAD_FINISHED:
      return why_set (t, "tls: server's Finished message was incorrect", NULL);
    case BR_ERR_BAD_SIGNATURE:
      return why_set (t, "tls: invalid signature by the server certificate", NULL);
    case BR_ERR_INVALID_ALGORITHM:
      return why_set (t, "tls: server used an unsupported signature algorithm", NULL);
    case BR_ERR_TOO_LARGE:
    case BR_ERR_BAD_LENGTH:
      return why_set (t, "tls: oversized or malformed record from the server", NULL);
    case BR_ERR_NO_CLIENT_AUTH:
      return why_set (t, "tls: the server asks for a client certificate and this client has none", NULL);
    case BR_ERR_X509_EMPTY_CHAIN:
      return why_set (t, "tls: the server sent no certificate", NULL);
    case BR_ERR_X509_UNSUPPORTED:
    case BR_ERR_X509_WRONG_KEY_TYPE:
      return why_set (t, "tls: the server's certificate has a key of a type other than RSA or EC", NULL);
    case BR_ERR_X509_LIMIT_EXCEEDED:
      return why_set (t, "tls: the server's certificate key is too large (RSA over 4096 bits)", NULL);
    default:
      break;
    }
  if (err >= BR_ERR_X509_OK && err < BR_ERR_RECV_FATAL_ALERT)
    return why_code (t, "tls: failed to parse certificate from server (BearSSL X.509 error ", (unsigned) err);
  why_code (t, "tls: handshake or record error (BearSSL error ", (unsigned) err);
}

/* ---- the client ---- */

/* Go sends no SNI for an IP address (crypto/tls hostnameInSNI): neither do we.  */
static int
is_ip (const char *host, size_t n)
{
  char b[64];
  unsigned char a[16];
  if (n >= 2 && host[0] == '[' && host[n - 1] == ']')
    host++, n -= 2;
  if (n == 0 || n >= sizeof b)
    return 0;
  memcpy (b, host, n);
  b[n] = '\0';
  char *zone = strchr (b, '%');
  if (zone != NULL)
    *zone = '\0';
  return inet_pton (AF_INET, b, a) == 1 || inet_pton (AF_INET6, b, a) == 1;
}

int
podrun_tls_init (struct podrun_tls_client *t, const char *host, const uint8_t *seed, size_t seed_len)
{
  char name[256];
  size_t n = host == NULL ? 0 : strlen (host);

  memset (t, 0, sizeof *t);
  if (n > 0 && host[n - 1] == '.')
    n--;
  if (n >= sizeof name)
    {
      why_set (t, "tls: the host name is longer than 255 bytes", NULL);
      t->failed = 1;
      return -1;
    }
  if (seed == NULL || seed_len < PODRUN_TLS_SEED_MIN)
    {
      why_set (t, "tls: no random seed", NULL);
      t->failed = 1;
      return -1;
    }
  memcpy (name, host == NULL ? "" : host, n);
  name[n] = '\0';

  br_ssl_client_context *cc = &t->cc;
  br_ssl_engine_context *eng = &cc->eng;
  br_ssl_client_zero (cc);
  br_ssl_engine_set_versions (eng, BR_TLS12, BR_TLS12);
  /* a server's HelloRequest is declined (Go's client: RenegotiateNever); no ALPN is offered, so
     the server speaks HTTP/1.1 (supervision.md "HTTPS probes": the kubelet's offers h2) */
  br_ssl_engine_add_flags (eng, BR_OPT_NO_RENEGOTIATION);
  br_ssl_engine_set_suites (eng, SUITES, sizeof SUITES / sizeof SUITES[0]);
  /* the transcript and the signatures: SHA-1 for the CBC suites' HMAC and old signatures */
  br_ssl_engine_set_hash (eng, br_sha1_ID, &br_sha1_vtable);
  br_ssl_engine_set_hash (eng, br_sha224_ID, &br_sha224_vtable);
  br_ssl_engine_set_hash (eng, br_sha256_ID, &br_sha256_vtable);
  br_ssl_engine_set_hash (eng, br_sha384_ID, &br_sha384_vtable);
  br_ssl_engine_set_hash (eng, br_sha512_ID, &br_sha512_vtable);
  br_ssl_engine_set_prf_sha256 (eng, &br_tls12_sha256_prf);
  br_ssl_engine_set_prf_sha384 (eng, &br_tls12_sha384_prf);
  br_ssl_engine_set_default_aes_gcm (eng);
  br_ssl_engine_set_default_chapol (eng);
  br_ssl_engine_set_default_aes_cbc (eng);
  br_ssl_engine_set_default_ec (eng);      /* ECDHE: X25519, P-256, P-384, P-521 */
  br_ssl_engine_set_default_ecdsa (eng);   /* ECDHE_ECDSA's ServerKeyExchange */
  br_ssl_engine_set_default_rsavrfy (eng); /* ECDHE_RSA's */
  t->x509.vtable = &X509_ANY;
  br_ssl_engine_set_x509 (eng, &t->x509.vtable);
  br_ssl_engine_set_buffer (eng, t->iobuf, sizeof t->iobuf, 0);
  br_ssl_engine_inject_entropy (eng, seed, seed_len);
  /* seeded: the engine's own try at the OS's source (RDRAND, else open and read /dev/urandom)
     is skipped, as bearssl_ssl.h's rng_os_rand_done says ("seeding from the OS or hardware has
     been attempted"), so that no system call is made here */
  eng->rng_os_rand_done = 1;
  if (!br_ssl_client_reset (cc, n > 0 && !is_ip (name, n) ? name : NULL, 0))
    {
      explain (t, br_ssl_engine_last_error (eng));
      t->failed = 1;
      return -1;
    }
  return 0;
}

enum podrun_tls_state
podrun_tls_state (struct podrun_tls_client *t)
{
  if (t->failed)
    return PODRUN_TLS_FAILED;
  unsigned st = br_ssl_engine_current_state (&t->cc.eng);
  if (st == BR_SSL_CLOSED)
    {
      int err = br_ssl_engine_last_error (&t->cc.eng);
      if (err == BR_ERR_OK && t->open)
        return PODRUN_TLS_CLOSED;
      if (err == BR_ERR_OK)
        why_set (t, "tls: the server ended the session during the handshake (close_notify)", NULL);
      explain (t, err);
      return PODRUN_TLS_FAILED;
    }
  /* the engine takes or gives plaintext only once the handshake is done; in half-duplex it may
     then be busy with a record for a while, so remember it */
  if (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP))
    t->open = 1;
  if (!t->open)
    return PODRUN_TLS_HANDSHAKE;
  return t->eof && !(st & BR_SSL_RECVAPP) ? PODRUN_TLS_CLOSED : PODRUN_TLS_OPEN;
}

unsigned
podrun_tls_wants (struct podrun_tls_client *t)
{
  unsigned st = br_ssl_engine_current_state (&t->cc.eng), w = 0;
  if (st & BR_SSL_SENDREC)
    w |= PODRUN_TLS_WANT_SEND;
  if ((st & BR_SSL_RECVREC) && !t->eof)
    w |= PODRUN_TLS_WANT_RECV;
  return w;
}

const uint8_t *
podrun_tls_out (struct podrun_tls_client *t, size_t *len)
{
  unsigned char *p = br_ssl_engine_sendrec_buf (&t->cc.eng, len);
  if (p == NULL)
    *len = 0;
  return p;
}

void
podrun_tls_sent (struct podrun_tls_client *t, size_t n)
{
  if (n > 0)
    br_ssl_engine_sendrec_ack (&t->cc.eng, n);
}

uint8_t *
podrun_tls_in (struct podrun_tls_client *t, size_t *cap)
{
  unsigned char *p = t->eof ? NULL : br_ssl_engine_recvrec_buf (&t->cc.eng, cap);
  if (p == NULL)
    *cap = 0;
  return p;
}

void
podrun_tls_received (struct podrun_tls_client *t, size_t n)
{
  size_t cap;
  unsigned char *p = br_ssl_engine_recvrec_buf (&t->cc.eng, &cap);
  if (p == NULL || n == 0)
    return;
  if (n > cap)
    n = cap;
  /* keep the stream's first bytes: a server that is not TLS is told by them */
  for (size_t i = 0; i < n && t->head_len < sizeof t->head; i++)
    t->head[t->head_len++] = p[i];
  br_ssl_engine_recvrec_ack (&t->cc.eng, n);
}

size_t
podrun_tls_feed (struct podrun_tls_client *t, const uint8_t *p, size_t n)
{
  size_t took = 0;
  while (took < n)
    {
      size_t cap;
      uint8_t *in = podrun_tls_in (t, &cap);
      if (in == NULL)
        break;
      if (cap > n - took)
        cap = n - took;
      memcpy (in, p + took, cap);
      podrun_tls_received (t, cap);
      took += cap;
    }
  return took;
}

void
podrun_tls_eof (struct podrun_tls_client *t)
{
  if (t->eof)
    return;
  t->eof = 1;
  if (podrun_tls_state (t) == PODRUN_TLS_HANDSHAKE)
    {
      /* Go says "EOF" there; this says what it means */
      why_set (t,
               not_tls (t) != NULL ? not_tls (t) : "tls: the server closed the connection during the handshake (EOF)",
               NULL);
      t->failed = 1;
    }
}

size_t
podrun_tls_write (struct podrun_tls_client *t, const uint8_t *p, size_t n)
{
  size_t cap;
  unsigned char *b = br_ssl_engine_sendapp_buf (&t->cc.eng, &cap);
  if (b == NULL || n == 0)
    return 0;
  if (cap > n)
    cap = n;
  memcpy (b, p, cap);
  br_ssl_engine_sendapp_ack (&t->cc.eng, cap);
  t->open = 1;
  return cap;
}

void
podrun_tls_flush (struct podrun_tls_client *t)
{
  br_ssl_engine_flush (&t->cc.eng, 0);
}

size_t
podrun_tls_read (struct podrun_tls_client *t, uint8_t *buf, size_t cap)
{
  size_t len;
  unsigned char *b = br_ssl_engine_recvapp_buf (&t->cc.eng, &len);
  if (b == NULL || cap == 0)
    return 0;
  if (len > cap)
    len = cap;
  memcpy (buf, b, len);
  br_ssl_engine_recvapp_ack (&t->cc.eng, len);
  t->open = 1;
  return len;
}

int
podrun_tls_closed_cleanly (struct podrun_tls_client *t)
{
  return t->open && br_ssl_engine_current_state (&t->cc.eng) == BR_SSL_CLOSED
         && br_ssl_engine_last_error (&t->cc.eng) == BR_ERR_OK;
}

int
podrun_tls_got_http (const struct podrun_tls_client *t)
{
  return t->head_len >= 5 && memcmp (t->head, "HTTP/", 5) == 0;
}

const char *
podrun_tls_error (struct podrun_tls_client *t)
{
  return podrun_tls_state (t) == PODRUN_TLS_FAILED ? t->why : NULL;
}
