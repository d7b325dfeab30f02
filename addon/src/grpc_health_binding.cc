// grpcHealthRequest(authority, service, userAgent) and grpcHealthDecode(chunks): the tests'
// window into the gRPC health client (grpc_health.c), which the monitor runs for `grpc` probes.
// Decode feeds the server's bytes chunk by chunk, as they would come off the socket, and says
// what the reader made of them and what it answered (SETTINGS and PING acknowledgements).
#include <napi.h>

extern "C" {
#include "grpc_health.h"
}

#include <string>
#include <vector>

namespace podrun {

Napi::Value GrpcHealthRequest(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() != 3 || !info[0].IsString() || !info[1].IsString() || !info[2].IsString()) {
    Napi::TypeError::New(env, "grpcHealthRequest(authority: string, service: string, userAgent: string)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string a = info[0].As<Napi::String>(), s = info[1].As<Napi::String>(), u = info[2].As<Napi::String>();
  uint8_t buf[PODRUN_GRPC_REQUEST_MAX];
  ssize_t n = podrun_grpc_request(buf, sizeof buf, a.c_str(), s.c_str(), u.c_str());
  if (n < 0) return env.Null();
  return Napi::Buffer<uint8_t>::Copy(env, buf, (size_t)n);
}

Napi::Value GrpcHealthDecode(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsArray()) {
    Napi::TypeError::New(env, "grpcHealthDecode(chunks: Buffer[])").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  static const char *const RESULTS[] = {"more", "serving", "not_serving", "rpc_error", "protocol"};
  Napi::Array chunks = info[0].As<Napi::Array>();
  podrun_grpc_reader r;
  podrun_grpc_reader_init(&r);
  std::vector<uint8_t> replies;
  enum podrun_grpc_result res = PODRUN_GRPC_MORE;
  for (uint32_t i = 0; i < chunks.Length() && res == PODRUN_GRPC_MORE; i++) {
    Napi::Value c = chunks.Get(i);
    if (!c.IsBuffer()) {
      Napi::TypeError::New(env, "grpcHealthDecode: every chunk is a Buffer").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Napi::Buffer<uint8_t> b = c.As<Napi::Buffer<uint8_t>>();
    uint8_t reply[256];
    size_t rl = 0;
    res = podrun_grpc_feed(&r, b.Data(), b.Length(), reply, sizeof reply, &rl);
    replies.insert(replies.end(), reply, reply + rl);
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("result", RESULTS[res]);
  o.Set("status", r.status < 0 ? env.Null() : Napi::String::New(env, podrun_grpc_status_name(r.status)));
  o.Set("grpcStatus", r.grpc_status < 0 ? env.Null() : Napi::Number::New(env, r.grpc_status));
  o.Set("why", r.why ? Napi::String::New(env, r.why) : env.Null());
  o.Set("replies", Napi::Buffer<uint8_t>::Copy(env, replies.data(), replies.size()));
  char out[512];
  podrun_grpc_output(&r, out, sizeof out);
  o.Set("output", res == PODRUN_GRPC_MORE ? env.Null() : Napi::String::New(env, out));
  return o;
}

}  // namespace podrun
