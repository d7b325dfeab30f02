// tlsClientNew(host, seed) and tlsClientStep(client, input, eof, plaintext): the tests' window
// into the HTTPS probe's TLS client (tls_client.c). The test owns a real TCP socket and moves
// bytes: each step feeds the ciphertext the socket gave (or its end), writes the plaintext the
// engine will take once the handshake is done, and returns the ciphertext to send and the
// plaintext that came, as the monitor's loop will do on a readable or writable socket.
#include <napi.h>

extern "C" {
#include "tls_client.h"
}

#include <cstdlib>
#include <new>
#include <vector>

namespace podrun {

namespace {

const char *const STATES[] = {"handshake", "open", "closed", "failed"};

}  // namespace

Napi::Value TlsClientNew(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() != 2 || !(info[0].IsString() || info[0].IsNull()) || !info[1].IsBuffer()) {
    Napi::TypeError::New(env, "tlsClientNew(host: string | null, seed: Buffer)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string host = info[0].IsNull() ? std::string() : info[0].As<Napi::String>().Utf8Value();
  Napi::Buffer<uint8_t> seed = info[1].As<Napi::Buffer<uint8_t>>();
  // one allocation per connection, as the monitor will hold one per running HTTPS probe
  auto *t = static_cast<podrun_tls_client *>(std::calloc(1, sizeof(podrun_tls_client)));
  if (t == nullptr) {
    Napi::Error::New(env, "tlsClientNew: out of memory").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (podrun_tls_init(t, info[0].IsNull() ? nullptr : host.c_str(), seed.Data(), seed.Length()) != 0) {
    Napi::Error e = Napi::Error::New(env, podrun_tls_error(t));
    std::free(t);
    e.ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return Napi::External<podrun_tls_client>::New(env, t, [](Napi::Env, podrun_tls_client *p) { std::free(p); });
}

Napi::Value TlsClientStep(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4 || !info[0].IsExternal() || !(info[1].IsBuffer() || info[1].IsNull()) || !info[2].IsBoolean()
      || !(info[3].IsBuffer() || info[3].IsNull())) {
    Napi::TypeError::New(env, "tlsClientStep(client, input: Buffer | null, eof: boolean, plaintext: Buffer | null)")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  podrun_tls_client *t = info[0].As<Napi::External<podrun_tls_client>>().Data();
  const uint8_t *in = nullptr, *plain = nullptr;
  size_t in_len = 0, plain_len = 0;
  if (info[1].IsBuffer()) {
    in = info[1].As<Napi::Buffer<uint8_t>>().Data();
    in_len = info[1].As<Napi::Buffer<uint8_t>>().Length();
  }
  if (info[3].IsBuffer()) {
    plain = info[3].As<Napi::Buffer<uint8_t>>().Data();
    plain_len = info[3].As<Napi::Buffer<uint8_t>>().Length();
  }
  bool eof = info[2].As<Napi::Boolean>().Value(), eof_done = false;
  size_t took = 0, wrote = 0;
  std::vector<uint8_t> out, got;
  // until nothing moves: the engine is half-duplex, so its output and its plaintext are drained
  // before it takes more input, and input that does not fit now is fed on the next turn
  for (bool moved = true; moved;) {
    moved = false;
    size_t len;
    const uint8_t *o;
    while ((o = podrun_tls_out(t, &len)) != nullptr) {
      out.insert(out.end(), o, o + len);
      podrun_tls_sent(t, len);
      moved = true;
    }
    uint8_t buf[4096];
    size_t n;
    while ((n = podrun_tls_read(t, buf, sizeof buf)) > 0) {
      got.insert(got.end(), buf, buf + n);
      moved = true;
    }
    if (wrote < plain_len && podrun_tls_state(t) == PODRUN_TLS_OPEN) {
      size_t w = podrun_tls_write(t, plain + wrote, plain_len - wrote);
      if (w > 0) {
        wrote += w;
        podrun_tls_flush(t);
        moved = true;
      }
    }
    if (took < in_len) {
      size_t k = podrun_tls_feed(t, in + took, in_len - took);
      if (k > 0) {
        took += k;
        moved = true;
      }
    }
    if (eof && !eof_done && took == in_len) {
      podrun_tls_eof(t);
      eof_done = true;
      moved = true;
    }
  }
  enum podrun_tls_state st = podrun_tls_state(t);
  unsigned wants = podrun_tls_wants(t);
  Napi::Object r = Napi::Object::New(env);
  r.Set("took", Napi::Number::New(env, (double)took));
  r.Set("wrote", Napi::Number::New(env, (double)wrote));
  r.Set("out", Napi::Buffer<uint8_t>::Copy(env, out.data(), out.size()));
  r.Set("plain", Napi::Buffer<uint8_t>::Copy(env, got.data(), got.size()));
  r.Set("state", STATES[st]);
  const char *why = podrun_tls_error(t);
  r.Set("error", why != nullptr ? Napi::String::New(env, why) : env.Null());
  r.Set("gotHttp", Napi::Boolean::New(env, podrun_tls_got_http(t) != 0));
  r.Set("cleanly", Napi::Boolean::New(env, podrun_tls_closed_cleanly(t) != 0));
  r.Set("wantsSend", Napi::Boolean::New(env, (wants & PODRUN_TLS_WANT_SEND) != 0));
  r.Set("wantsRecv", Napi::Boolean::New(env, (wants & PODRUN_TLS_WANT_RECV) != 0));
  return r;
}

// The bytes one connection holds (tls_client.h), for the docs' per-probe memory figure.
Napi::Value TlsClientSize(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), (double)sizeof(podrun_tls_client));
}

}  // namespace podrun
