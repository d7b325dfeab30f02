// `podrun port-forward`: a TCP connection made inside a pod's network namespace, as the kubelet's
// port-forward dials localhost there. A socket belongs to the namespace it was created in, and
// the network namespace is a per-thread attribute: a fresh thread joins the pod's namespace
// (setns on an ns file or a pidfd, Linux 5.8), creates and connects the socket, and ends; the
// connected fd is the caller's (Node wraps it in a net.Socket). No thread Node uses is ever moved.
#include <napi.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

struct Dial {
  int nsfd;  // -1: this process's namespace
  std::string host;
  int port;
  int timeout_ms;
  int fd = -1;
  int err = 0;
  const char *step = "";
};

void *dial_thread(void *arg) {
  Dial *d = static_cast<Dial *>(arg);
  if (d->nsfd >= 0 && setns(d->nsfd, CLONE_NEWNET) < 0) {
    d->err = errno;
    d->step = "setns";
    return nullptr;
  }
  sockaddr_storage ss{};
  socklen_t len;
  auto *v4 = reinterpret_cast<sockaddr_in *>(&ss);
  auto *v6 = reinterpret_cast<sockaddr_in6 *>(&ss);
  if (inet_pton(AF_INET, d->host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)d->port);
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, d->host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)d->port);
    len = sizeof *v6;
  } else {
    d->err = EINVAL;
    d->step = "inet_pton";
    return nullptr;
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    d->err = errno;
    d->step = "socket";
    return nullptr;
  }
  if (connect(fd, reinterpret_cast<sockaddr *>(&ss), len) < 0 && errno != EINPROGRESS) {
    d->err = errno;
    d->step = "connect";
    close(fd);
    return nullptr;
  }
  pollfd p = {fd, POLLOUT, 0};
  int rc;
  do rc = poll(&p, 1, d->timeout_ms);
  while (rc < 0 && errno == EINTR);
  int soerr = 0;
  socklen_t sl = sizeof soerr;
  if (rc == 0) soerr = ETIMEDOUT;
  else if (rc < 0) soerr = errno;
  else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0) soerr = errno;
  if (soerr) {
    d->err = soerr;
    d->step = "connect";
    close(fd);
    return nullptr;
  }
  d->fd = fd;
  return nullptr;
}

class DialWorker : public Napi::AsyncWorker {
 public:
  DialWorker(Napi::Env env, Dial dial) : Napi::AsyncWorker(env), d_(std::move(dial)), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    pthread_t t;
    int rc = pthread_create(&t, nullptr, dial_thread, &d_);
    if (rc != 0) {
      d_.err = rc;
      d_.step = "pthread_create";
      return;
    }
    pthread_join(t, nullptr);
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (d_.fd >= 0) {
      deferred_.Resolve(Napi::Number::New(env, d_.fd));
      return;
    }
    Napi::Error e = Napi::Error::New(env, std::string(d_.step) + ": " + strerror(d_.err));
    e.Set("errno", Napi::Number::New(env, d_.err));
    e.Set("syscall", Napi::String::New(env, d_.step));
    deferred_.Reject(e.Value());
  }

 private:
  Dial d_;
  Napi::Promise::Deferred deferred_;
};

}  // namespace

namespace podrun {

// connectInNetns(nsFd: number (-1: here), host: string (an address), port: number, timeoutMs: number): Promise<fd>
Napi::Value ConnectInNetns(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsNumber() || !info[1].IsString() || !info[2].IsNumber() || !info[3].IsNumber()) {
    Napi::TypeError::New(env, "connectInNetns(nsFd: number, host: string, port: number, timeoutMs: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Dial d;
  d.nsfd = info[0].As<Napi::Number>().Int32Value();
  d.host = info[1].As<Napi::String>().Utf8Value();
  d.port = info[2].As<Napi::Number>().Int32Value();
  d.timeout_ms = info[3].As<Napi::Number>().Int32Value();
  if (d.port < 1 || d.port > 65535 || d.timeout_ms < 1) {
    Napi::TypeError::New(env, "connectInNetns: port 1..65535, timeoutMs > 0").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto *w = new DialWorker(env, std::move(d));
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

}  // namespace podrun
