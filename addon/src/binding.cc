// N-API glue for the few syscalls Node itself lacks. No policy lives here: each function
// validates its arguments, makes one syscall and turns a failure into an Error carrying
// {errno, syscall, path} that src/util/native.ts re-wraps as a SyscallError.
#include <napi.h>

extern "C" {
#include "hostpath.h"
#include "protocol.h"
#include <bearssl.h>
}

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <pthread.h>
#include <sys/mount.h>
#include <unistd.h>

// What podrun-helper runs with, never the caller's environment: a starting container (or an
// exec'd command) is briefly a copy of the monitor or the helper, whose /proc/PID/environ a
// sibling could read (security.md, escape 11), and the helper needs none of it.
static char *helper_env[] = {const_cast<char *>("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), nullptr};

namespace podrun {
// addon/src/seccomp_bpf.cc
Napi::Value CompileSeccomp(const Napi::CallbackInfo &info);
// addon/src/supervise_binding.cc (tests only)
Napi::Value SuperviseRun(const Napi::CallbackInfo &info);
// addon/src/grpc_health_binding.cc (tests only)
Napi::Value GrpcHealthRequest(const Napi::CallbackInfo &info);
Napi::Value GrpcHealthDecode(const Napi::CallbackInfo &info);
// addon/src/netns_dial_binding.cc (port-forward)
Napi::Value ConnectInNetns(const Napi::CallbackInfo &info);
// addon/src/tls_client_binding.cc (tests only)
Napi::Value TlsClientNew(const Napi::CallbackInfo &info);
Napi::Value TlsClientStep(const Napi::CallbackInfo &info);
Napi::Value TlsClientSize(const Napi::CallbackInfo &info);
}  // namespace podrun

namespace {

// Throws an Error carrying {errno, syscall, path} and returns an empty value; the errno's name
// (the `code`) comes from the one table in src/util/errno.ts.
Napi::Value throw_errno(Napi::Env env, int err, const char *syscall_name, const std::string &path = "") {
  std::string msg = std::string(syscall_name) + ": " + strerror(err);
  if (!path.empty()) msg += " '" + path + "'";
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall_name));
  if (!path.empty()) e.Set("path", Napi::String::New(env, path));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value type_error(Napi::Env env, const char *msg) {
  Napi::TypeError::New(env, msg).ThrowAsJavaScriptException();
  return env.Undefined();
}

bool arg_string(const Napi::CallbackInfo &info, size_t i, std::string &out) {
  if (info.Length() <= i || !info[i].IsString()) return false;
  out = info[i].As<Napi::String>().Utf8Value();
  return out.find('\0') == std::string::npos;
}

bool arg_int(const Napi::CallbackInfo &info, size_t i, int64_t &out) {
  if (info.Length() <= i || !info[i].IsNumber()) return false;
  out = info[i].As<Napi::Number>().Int64Value();
  return true;
}

// SHA-256 of a string's UTF-8 bytes or of a Buffer, hex: what the seccomp cache keys a
// profile's text by (12 KiB for the default profile: ~7 ms in cold JavaScript, µs here).
Napi::Value Sha256(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  br_sha256_context ctx;
  unsigned char out[br_sha256_SIZE];
  char hex[2 * br_sha256_SIZE];
  static const char digits[] = "0123456789abcdef";
  br_sha256_init(&ctx);
  if (info.Length() == 1 && info[0].IsBuffer()) {
    auto b = info[0].As<Napi::Buffer<uint8_t>>();
    br_sha256_update(&ctx, b.Data(), b.Length());
  } else if (info.Length() == 1 && info[0].IsString()) {
    std::string text = info[0].As<Napi::String>().Utf8Value();
    br_sha256_update(&ctx, text.data(), text.size());
  } else {
    return type_error(env, "sha256(data): data must be a string or a Buffer");
  }
  br_sha256_out(&ctx, out);
  for (size_t i = 0; i < sizeof out; i++) {
    hex[2 * i] = digits[out[i] >> 4];
    hex[2 * i + 1] = digits[out[i] & 15];
  }
  return Napi::String::New(env, hex, sizeof hex);
}

Napi::Value Mknod(const Napi::CallbackInfo &info) {
  std::string path;
  int64_t mode, dev;
  if (!arg_string(info, 0, path) || !arg_int(info, 1, mode) || !arg_int(info, 2, dev))
    return type_error(info.Env(), "mknod(path: string, mode: number, dev: number)");
  if (mknod(path.c_str(), (mode_t)mode, (dev_t)dev) < 0) return throw_errno(info.Env(), errno, "mknod", path);
  return info.Env().Undefined();
}

// mountTmpfs(dir, sizeBytes, remount): a tmpfs (nosuid, nodev, noexec, mode 0755) on DIR, a
// directory of podrun's own in the host's mount namespace: the pod's config volumes
// (runtime/config-volumes.ts); with remount true, the one there gets the new size.
Napi::Value MountTmpfs(const Napi::CallbackInfo &info) {
  std::string path;
  int64_t size;
  if (!arg_string(info, 0, path) || !arg_int(info, 1, size) || size <= 0)
    return type_error(info.Env(), "mountTmpfs(dir: string, sizeBytes: number > 0, remount?: boolean)");
  bool remount = info.Length() > 2 && info[2].IsBoolean() && info[2].As<Napi::Boolean>().Value();
  std::string opts = "size=" + std::to_string(size) + (remount ? "" : ",mode=0755");
  unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC | (remount ? MS_REMOUNT : 0);
  if (mount("tmpfs", path.c_str(), "tmpfs", flags, opts.c_str()) < 0)
    return throw_errno(info.Env(), errno, "mount", path);
  return info.Env().Undefined();
}

// mountLayers(dir, layers): the image volume's layers (top first, at least two: overlayfs without
// an upper layer takes no fewer) as a read-only overlay on DIR, nosuid, nodev, noexec, as the
// kubelet mounts an image volume; one lowerdir+ per layer (Linux 6.8), as the helper's rootfs.
Napi::Value MountLayers(const Napi::CallbackInfo &info) {
  std::string path;
  if (!arg_string(info, 0, path) || info.Length() < 2 || !info[1].IsArray())
    return type_error(info.Env(), "mountLayers(dir: string, layers: string[])");
  auto arr = info[1].As<Napi::Array>();
  if (arr.Length() < 2 || arr.Length() > 500) return type_error(info.Env(), "mountLayers: 2 to 500 layers");
  int fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
  if (fsfd < 0) return throw_errno(info.Env(), errno, "fsopen", "overlay");
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value v = arr[i];
    if (!v.IsString()) {
      close(fsfd);
      return type_error(info.Env(), "mountLayers: layers are strings");
    }
    std::string layer = v.As<Napi::String>().Utf8Value();
    if (fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", layer.c_str(), 0) < 0) {
      int e = errno;
      close(fsfd);
      return throw_errno(info.Env(), e, "fsconfig", layer);
    }
  }
  if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
    int e = errno;
    close(fsfd);
    return throw_errno(info.Env(), e, "fsconfig", path);
  }
  int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  int e = errno;
  close(fsfd);
  if (mfd < 0) return throw_errno(info.Env(), e, "fsmount", path);
  if (move_mount(mfd, "", AT_FDCWD, path.c_str(), MOVE_MOUNT_F_EMPTY_PATH) < 0) {
    e = errno;
    close(mfd);
    return throw_errno(info.Env(), e, "move_mount", path);
  }
  close(mfd);
  return info.Env().Undefined();
}

// unmount(dir): a lazy unmount of what is mounted on DIR (not following a symlink there);
// false when nothing is (EINVAL) or DIR is gone (ENOENT).
Napi::Value Unmount(const Napi::CallbackInfo &info) {
  std::string path;
  if (!arg_string(info, 0, path)) return type_error(info.Env(), "unmount(dir: string)");
  if (umount2(path.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) == 0) return Napi::Boolean::New(info.Env(), true);
  if (errno == EINVAL || errno == ENOENT) return Napi::Boolean::New(info.Env(), false);
  return throw_errno(info.Env(), errno, "umount2", path);
}

// A pod's network namespace pinned by a bind mount of /proc/PID/ns/net on a new empty file
// TARGET: it outlives the pause, so the CNI plugins' DEL always finds it (the bridge plugin
// removes its NAT rules only for addresses it reads in the namespace). The namespace is taken
// from an fd opened first, so what is pinned is what that fd names.
Napi::Value PinNetns(const Napi::CallbackInfo &info) {
  int64_t pid;
  std::string target;
  if (!arg_int(info, 0, pid) || pid <= 0 || pid > 0x3fffffff || !arg_string(info, 1, target))
    return type_error(info.Env(), "pinNetns(pid: number, target: string)");
  std::string src = "/proc/" + std::to_string(pid) + "/ns/net";
  int ns = open(src.c_str(), O_RDONLY | O_CLOEXEC);
  if (ns < 0) return throw_errno(info.Env(), errno, "open", src);
  int f = open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (f < 0) {
    int e = errno;
    close(ns);
    return throw_errno(info.Env(), e, "open", target);
  }
  // Onto the file just made, through its fd: not whatever the path names by now.
  std::string fdpath = "/proc/self/fd/" + std::to_string(ns);
  std::string onto = "/proc/self/fd/" + std::to_string(f);
  int rc = mount(fdpath.c_str(), onto.c_str(), nullptr, MS_BIND, nullptr);
  int e = errno;
  close(f);
  close(ns);
  if (rc < 0) {
    unlink(target.c_str());
    return throw_errno(info.Env(), e, "mount", target);
  }
  return info.Env().Undefined();
}

Napi::Value Makedev(const Napi::CallbackInfo &info) {
  int64_t major_, minor_;
  if (!arg_int(info, 0, major_) || !arg_int(info, 1, minor_) || major_ < 0 || minor_ < 0 || major_ > 0xfff ||
      minor_ > 0xfffff)
    return type_error(info.Env(), "makedev(major: 0..4095, minor: 0..1048575)");
  return Napi::Number::New(info.Env(), (double)makedev((unsigned)major_, (unsigned)minor_));
}

Napi::Value Lsetxattr(const Napi::CallbackInfo &info) {
  std::string path, name;
  if (!arg_string(info, 0, path) || !arg_string(info, 1, name) || info.Length() < 3 || !info[2].IsBuffer())
    return type_error(info.Env(), "lsetxattr(path: string, name: string, value: Buffer)");
  auto buf = info[2].As<Napi::Buffer<char>>();
  if (lsetxattr(path.c_str(), name.c_str(), buf.Data(), buf.Length(), 0) < 0)
    return throw_errno(info.Env(), errno, "lsetxattr", path);
  return info.Env().Undefined();
}

// One xattr's value (null when absent) through GET (lgetxattr or fgetxattr), which may grow
// between the size query and the read.
template <typename Get>
Napi::Value get_xattr(Napi::Env env, const char *syscall_name, const std::string &what, Get get) {
  for (;;) {
    ssize_t n = get(nullptr, 0);
    if (n < 0) {
      if (errno == ENODATA) return env.Null();
      return throw_errno(env, errno, syscall_name, what);
    }
    std::vector<char> data((size_t)n + 1);
    ssize_t m = get(data.data(), data.size());
    if (m < 0) {
      if (errno == ERANGE) continue;  // grew between the two calls
      if (errno == ENODATA) return env.Null();
      return throw_errno(env, errno, syscall_name, what);
    }
    return Napi::Buffer<char>::Copy(env, data.data(), (size_t)m);
  }
}

// The xattr names through LIST (llistxattr or flistxattr); none where the filesystem has none.
template <typename List>
Napi::Value list_xattrs(Napi::Env env, const char *syscall_name, const std::string &what, List list) {
  for (;;) {
    ssize_t n = list(nullptr, 0);
    if (n < 0) {
      if (errno == ENOTSUP) return Napi::Array::New(env);
      return throw_errno(env, errno, syscall_name, what);
    }
    std::vector<char> data((size_t)n + 1);
    ssize_t m = list(data.data(), data.size());
    if (m < 0) {
      if (errno == ERANGE) continue;
      return throw_errno(env, errno, syscall_name, what);
    }
    Napi::Array out = Napi::Array::New(env);
    uint32_t idx = 0;
    for (ssize_t off = 0; off < m;) {
      std::string name(data.data() + off);
      off += (ssize_t)name.size() + 1;
      if (!name.empty()) out.Set(idx++, Napi::String::New(env, name));
    }
    return out;
  }
}

Napi::Value Lgetxattr(const Napi::CallbackInfo &info) {
  std::string path, name;
  if (!arg_string(info, 0, path) || !arg_string(info, 1, name))
    return type_error(info.Env(), "lgetxattr(path: string, name: string)");
  return get_xattr(info.Env(), "lgetxattr", path,
                   [&](char *buf, size_t len) { return lgetxattr(path.c_str(), name.c_str(), buf, len); });
}

Napi::Value Llistxattr(const Napi::CallbackInfo &info) {
  std::string path;
  if (!arg_string(info, 0, path)) return type_error(info.Env(), "llistxattr(path: string)");
  return list_xattrs(info.Env(), "llistxattr", path,
                     [&](char *buf, size_t len) { return llistxattr(path.c_str(), buf, len); });
}

// The f* variants read the attributes of an object already opened (not through an O_PATH fd),
// so a walk reads them from exactly what it opened, never through a path that may have changed.
Napi::Value Fgetxattr(const Napi::CallbackInfo &info) {
  int64_t fd;
  std::string name;
  if (!arg_int(info, 0, fd) || fd < 0 || fd > INT32_MAX || !arg_string(info, 1, name))
    return type_error(info.Env(), "fgetxattr(fd: number, name: string)");
  return get_xattr(info.Env(), "fgetxattr", "",
                   [&](char *buf, size_t len) { return fgetxattr((int)fd, name.c_str(), buf, len); });
}

// The target of the symlink an O_PATH|O_NOFOLLOW fd names (readlinkat with an empty path): of
// exactly the link opened, never of whatever has its name now.
Napi::Value ReadlinkFd(const Napi::CallbackInfo &info) {
  int64_t fd;
  if (!arg_int(info, 0, fd) || fd < 0 || fd > INT32_MAX) return type_error(info.Env(), "readlinkFd(fd: number)");
  std::vector<char> buf(256);
  for (;;) {
    ssize_t n = readlinkat((int)fd, "", buf.data(), buf.size());
    if (n < 0) return throw_errno(info.Env(), errno, "readlinkat");
    if ((size_t)n < buf.size()) return Napi::String::New(info.Env(), buf.data(), (size_t)n);
    if (buf.size() >= 1 << 20) return throw_errno(info.Env(), ENAMETOOLONG, "readlinkat");
    buf.resize(buf.size() * 4);
  }
}

Napi::Value Flistxattr(const Napi::CallbackInfo &info) {
  int64_t fd;
  if (!arg_int(info, 0, fd) || fd < 0 || fd > INT32_MAX) return type_error(info.Env(), "flistxattr(fd: number)");
  return list_xattrs(info.Env(), "flistxattr", "", [&](char *buf, size_t len) { return flistxattr((int)fd, buf, len); });
}

// A podrun_err_t from the C side as the Error throw_errno makes, plus its `step`.
Napi::Value throw_podrun_err(Napi::Env env, const podrun_err_t &err) {
  std::string msg = std::string(err.step) + ": " + err.syscall + ": " + strerror(err.errno_);
  if (err.path[0]) msg += std::string(" '") + err.path + "'";
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("errno", Napi::Number::New(env, err.errno_));
  e.Set("syscall", Napi::String::New(env, err.syscall));
  e.Set("step", Napi::String::New(env, err.step));
  if (err.path[0]) e.Set("path", Napi::String::New(env, err.path));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

std::string id_string(const podrun_host_id &id) { return std::to_string(id.dev) + ":" + std::to_string(id.ino); }

bool parse_id(const Napi::Value &v, podrun_host_id &id) {
  if (!v.IsString()) return false;
  std::string s = v.As<Napi::String>().Utf8Value();
  char *end = nullptr;
  errno = 0;
  id.dev = strtoull(s.c_str(), &end, 10);
  if (errno || end == s.c_str() || *end != ':') return false;
  const char *ino = end + 1;
  id.ino = strtoull(ino, &end, 10);
  return !errno && end != ino && *end == '\0';
}

// createHostPath(path, isFile, denied): DirectoryOrCreate / FileOrCreate by fds from the nearest
// existing ancestor, checked against `denied` (hostpath.c podrun_create_host_path). null when the
// path exists; else what was made, for removeCreatedHostPath. On failure nothing made is left.
Napi::Value CreateHostPath(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path;
  if (!arg_string(info, 0, path) || info.Length() < 3 || !info[1].IsBoolean() || !info[2].IsArray())
    return type_error(env, "createHostPath(path: string, isFile: boolean, denied: string[])");
  bool is_file = info[1].As<Napi::Boolean>().Value();
  Napi::Array arr = info[2].As<Napi::Array>();
  std::vector<std::string> denied_s;
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value v = arr.Get(i);
    if (!v.IsString()) return type_error(env, "createHostPath: denied entries must be strings");
    denied_s.push_back(v.As<Napi::String>().Utf8Value());
    if (denied_s.back().empty() || denied_s.back()[0] != '/' || denied_s.back().find('\0') != std::string::npos)
      return type_error(env, "createHostPath: denied entries must be absolute paths");
  }
  std::vector<const char *> denied;
  for (auto &d : denied_s) denied.push_back(d.c_str());
  auto made = std::make_unique<podrun_created>();
  podrun_err_t err{};
  int n = podrun_create_host_path(path.c_str(), is_file, denied.data(), denied.size(), made.get(), &err);
  if (n < 0) {
    podrun_remove_created(made.get(), is_file);
    return throw_podrun_err(env, err);
  }
  if (n == 0) return env.Null();
  Napi::Object out = Napi::Object::New(env);
  Napi::Array ids = Napi::Array::New(env), flags = Napi::Array::New(env);
  for (size_t i = 0; i < made->reached; i++) {
    ids.Set((uint32_t)i, Napi::String::New(env, id_string(made->id[i])));
    flags.Set((uint32_t)i, Napi::Boolean::New(env, made->made[i] != 0));
  }
  out.Set("top", Napi::String::New(env, made->top));
  out.Set("topId", Napi::String::New(env, id_string(made->top_id)));
  out.Set("rest", Napi::String::New(env, made->rest));
  out.Set("ids", ids);
  out.Set("made", flags);
  return out;
}

// removeCreatedHostPath(created, isFile): undoes createHostPath, newest first, each only while it
// is the object made and still empty (hostpath.c podrun_remove_created). The number removed.
Napi::Value RemoveCreatedHostPath(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const char *usage = "removeCreatedHostPath(created: {top, topId, rest, ids, made}, isFile: boolean)";
  if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsBoolean()) return type_error(env, usage);
  Napi::Object o = info[0].As<Napi::Object>();
  Napi::Value top = o.Get("top"), rest = o.Get("rest"), ids = o.Get("ids"), flags = o.Get("made");
  if (!top.IsString() || !rest.IsString() || !ids.IsArray() || !flags.IsArray()) return type_error(env, usage);
  auto c = std::make_unique<podrun_created>();
  std::string top_s = top.As<Napi::String>().Utf8Value(), rest_s = rest.As<Napi::String>().Utf8Value();
  Napi::Array id_arr = ids.As<Napi::Array>(), flag_arr = flags.As<Napi::Array>();
  if (top_s.size() >= sizeof c->top || rest_s.size() >= sizeof c->rest || id_arr.Length() != flag_arr.Length() ||
      id_arr.Length() > PODRUN_CREATE_MAX || !parse_id(o.Get("topId"), c->top_id))
    return type_error(env, usage);
  memcpy(c->top, top_s.c_str(), top_s.size() + 1);
  memcpy(c->rest, rest_s.c_str(), rest_s.size() + 1);
  c->reached = id_arr.Length();
  for (uint32_t i = 0; i < id_arr.Length(); i++) {
    if (!parse_id(id_arr.Get(i), c->id[i])) return type_error(env, usage);
    c->made[i] = flag_arr.Get(i).ToBoolean().Value() ? 1 : 0;
  }
  return Napi::Number::New(env, (double)podrun_remove_created(c.get(), info[1].As<Napi::Boolean>().Value()));
}

// flock(fd, op): returns false instead of throwing when LOCK_NB would block.
Napi::Value Flock(const Napi::CallbackInfo &info) {
  int64_t fd, op;
  if (!arg_int(info, 0, fd) || !arg_int(info, 1, op)) return type_error(info.Env(), "flock(fd: number, op: number)");
  for (;;) {
    if (flock((int)fd, (int)op) == 0) return Napi::Boolean::New(info.Env(), true);
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) return Napi::Boolean::New(info.Env(), false);
    return throw_errno(info.Env(), errno, "flock");
  }
}

Napi::Value PidfdOpen(const Napi::CallbackInfo &info) {
  int64_t pid;
  if (!arg_int(info, 0, pid) || pid <= 0) return type_error(info.Env(), "pidfdOpen(pid: number > 0)");
  long fd = syscall(SYS_pidfd_open, (pid_t)pid, 0);
  if (fd < 0) return throw_errno(info.Env(), errno, "pidfd_open");
  // pidfd_open sets O_CLOEXEC already; nothing else to do.
  return Napi::Number::New(info.Env(), (double)fd);
}

Napi::Value PidfdSendSignal(const Napi::CallbackInfo &info) {
  int64_t fd, sig;
  if (!arg_int(info, 0, fd) || !arg_int(info, 1, sig) || sig < 0 || sig > 64)
    return type_error(info.Env(), "pidfdSendSignal(pidfd: number, signal: 0..64)");
  if (syscall(SYS_pidfd_send_signal, (int)fd, (int)sig, nullptr, 0) < 0)
    return throw_errno(info.Env(), errno, "pidfd_send_signal");
  return info.Env().Undefined();
}

// A (path, argv) call: the path and the argv strings, checked (strings, no NUL), and the
// NULL-terminated array execve wants, pointing into `strings`. False after throwing a TypeError.
struct ExecArgs {
  std::string path;
  std::vector<std::string> strings;
  std::vector<char *> argv;
};

bool arg_exec(const Napi::CallbackInfo &info, const char *fn, ExecArgs &out) {
  if (!arg_string(info, 0, out.path) || info.Length() < 2 || !info[1].IsArray()) {
    type_error(info.Env(), (std::string(fn) + "(path: string, argv: string[])").c_str());
    return false;
  }
  Napi::Array arr = info[1].As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value v = arr.Get(i);
    if (!v.IsString()) {
      type_error(info.Env(), (std::string(fn) + ": argv entries must be strings").c_str());
      return false;
    }
    out.strings.push_back(v.As<Napi::String>().Utf8Value());
    if (out.strings.back().find('\0') != std::string::npos) {
      type_error(info.Env(), (std::string(fn) + ": argv entry contains NUL").c_str());
      return false;
    }
  }
  for (auto &a : out.strings) out.argv.push_back(const_cast<char *>(a.c_str()));
  out.argv.push_back(nullptr);
  return true;
}

// execve(path, argv): replaces the whole Node process (the kernel ends its other threads), so a
// command like `podrun exec` hands the terminal and its exit status straight to podrun-helper
// without a Node parent waiting in between. Only returns by throwing.
Napi::Value Execve(const Napi::CallbackInfo &info) {
  ExecArgs ea;
  if (!arg_exec(info, "execve", ea)) return info.Env().Undefined();
  const std::string &path = ea.path;
  // libuv may have made the stdio descriptions non-blocking (they are shared with the user's
  // shell, and the next program expects blocking fds) and marks the fds it reopens for a tty
  // close-on-exec: undo both so podrun-helper inherits a plain stdin/stdout/stderr.
  for (int fd = 0; fd <= 2; fd++) {
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && (fl & O_NONBLOCK)) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    int fdfl = fcntl(fd, F_GETFD);
    if (fdfl >= 0 && (fdfl & FD_CLOEXEC)) fcntl(fd, F_SETFD, fdfl & ~FD_CLOEXEC);
  }
  sigset_t none;
  sigemptyset(&none);
  pthread_sigmask(SIG_SETMASK, &none, nullptr);
  signal(SIGPIPE, SIG_DFL);
  execve(path.c_str(), ea.argv.data(), helper_env);
  return throw_errno(info.Env(), errno, "execve", path);
}

// Starts `path argv...` detached: own session, stdin/stdout/stderr on /dev/null, the write end of
// a new pipe as fd 3, `keepFd` (when given) as fd 4 and no other descriptor, every signal at its default and none blocked (Node
// ignores SIGPIPE, glibc's posix_spawn leaves its internal signals ignored; a container would
// inherit either through the monitor). Returns { pid, fd }, fd being the pipe's read end.
// clone(CLONE_VM|CLONE_VFORK) costs well under a millisecond where child_process.spawn forks the
// whole Node process (~15 ms here) after loading child_process, net and stream. The child is not
// reaped by Node: it is meant to outlive this process.
struct SpawnArgs {
  const char *path;
  char **argv;
  int pipe_w;
  int keep_fd;  // -1: none
  int err;  // set by the child when it fails; the memory is shared until execve
  const char *step;
};

// Runs on the parent's memory (CLONE_VM) with Node's libc state: raw system calls only, until
// execve. errno is the parent thread's, which is suspended (CLONE_VFORK) meanwhile.
int spawn_child(void *arg) {
  SpawnArgs *a = static_cast<SpawnArgs *>(arg);
  struct {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
  } dfl = {reinterpret_cast<void *>(SIG_DFL), 0, nullptr, 0};
  for (long sig = 1; sig <= 64; sig++)
    if (sig != SIGKILL && sig != SIGSTOP) syscall(SYS_rt_sigaction, sig, &dfl, nullptr, 8);
  uint64_t none = 0;
  long fd, keep = -1;
  if (syscall(SYS_setsid) < 0) {
    a->step = "setsid";
    goto fail;
  }
  // Out of the way of fd 3 first (the pipe may be about to land on it), then onto fd 4. The fd
  // shares the parent's open file description: an flock on it is held by both.
  if (a->keep_fd >= 0 && (keep = syscall(SYS_fcntl, a->keep_fd, F_DUPFD_CLOEXEC, 5)) < 0) goto fail_fd;
  if (a->pipe_w == 3) {
    if (syscall(SYS_fcntl, 3, F_SETFD, 0) < 0) goto fail_fd;
  } else if (syscall(SYS_dup3, a->pipe_w, 3, 0) < 0) {
    goto fail_fd;
  }
  fd = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC);
  if (fd < 0) goto fail_fd;
  for (int i = 0; i <= 2; i++)
    if (syscall(SYS_dup3, fd, i, 0) < 0) goto fail_fd;
  if (keep >= 0 && syscall(SYS_dup3, keep, 4, 0) < 0) goto fail_fd;
  if (syscall(SYS_close_range, keep >= 0 ? 5 : 4, ~0U, 0) < 0) goto fail_fd;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, nullptr, 8);
  syscall(SYS_execve, a->path, a->argv, helper_env);
  a->step = "execve";
  goto fail;
fail_fd:
  a->step = "dup3";
fail:
  a->err = errno;
  syscall(SYS_exit, 127);
  return 127;
}

Napi::Value SpawnDetached(const Napi::CallbackInfo &info) {
  ExecArgs ea;
  if (!arg_exec(info, "spawnDetached", ea)) return info.Env().Undefined();
  const std::string &path = ea.path;
  int keep_fd = -1;
  if (info.Length() > 2 && !info[2].IsUndefined()) {
    if (!info[2].IsNumber() || info[2].As<Napi::Number>().Int32Value() < 0) {
      type_error(info.Env(), "spawnDetached(path: string, argv: string[], keepFd?: number)");
      return info.Env().Undefined();
    }
    keep_fd = info[2].As<Napi::Number>().Int32Value();
  }

  // A socket pair, not a pipe: the CLI answers on it too (the network gate's `go`, protocol 10).
  int p[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0) return throw_errno(info.Env(), errno, "socketpair");
  const size_t stack_size = 64 * 1024;
  void *stack = mmap(nullptr, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) {
    int e = errno;
    close(p[0]);
    close(p[1]);
    return throw_errno(info.Env(), e, "mmap");
  }
  SpawnArgs a = {path.c_str(), ea.argv.data(), p[1], keep_fd, 0, ""};
  // Blocked in this thread, no Node handler can run in the child on the shared memory; the child
  // resets every handler to default before it unblocks.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = clone(spawn_child, static_cast<char *>(stack) + stack_size, CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
  int clone_err = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  munmap(stack, stack_size);
  close(p[1]);
  if (pid < 0 || a.err != 0) {
    close(p[0]);
    if (pid > 0) waitpid(pid, nullptr, 0);
    return throw_errno(info.Env(), pid < 0 ? clone_err : a.err, pid < 0 ? "clone" : a.step, path);
  }
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("pid", Napi::Number::New(info.Env(), pid));
  out.Set("fd", Napi::Number::New(info.Env(), p[0]));
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("protocolVersion", Napi::Number::New(env, PODRUN_PROTOCOL));
  exports.Set("sha256", Napi::Function::New(env, Sha256));
  exports.Set("mknod", Napi::Function::New(env, Mknod));
  exports.Set("makedev", Napi::Function::New(env, Makedev));
  exports.Set("mountTmpfs", Napi::Function::New(env, MountTmpfs));
  exports.Set("unmount", Napi::Function::New(env, Unmount));
  exports.Set("pinNetns", Napi::Function::New(env, PinNetns));
  exports.Set("mountLayers", Napi::Function::New(env, MountLayers));
  exports.Set("lsetxattr", Napi::Function::New(env, Lsetxattr));
  exports.Set("lgetxattr", Napi::Function::New(env, Lgetxattr));
  exports.Set("llistxattr", Napi::Function::New(env, Llistxattr));
  exports.Set("fgetxattr", Napi::Function::New(env, Fgetxattr));
  exports.Set("flistxattr", Napi::Function::New(env, Flistxattr));
  exports.Set("readlinkFd", Napi::Function::New(env, ReadlinkFd));
  exports.Set("createHostPath", Napi::Function::New(env, CreateHostPath));
  exports.Set("removeCreatedHostPath", Napi::Function::New(env, RemoveCreatedHostPath));
  exports.Set("flock", Napi::Function::New(env, Flock));
  exports.Set("pidfdOpen", Napi::Function::New(env, PidfdOpen));
  exports.Set("pidfdSendSignal", Napi::Function::New(env, PidfdSendSignal));
  exports.Set("execve", Napi::Function::New(env, Execve));
  exports.Set("spawnDetached", Napi::Function::New(env, SpawnDetached));
  exports.Set("compileSeccomp", Napi::Function::New(env, podrun::CompileSeccomp));
  exports.Set("connectInNetns", Napi::Function::New(env, podrun::ConnectInNetns));
  exports.Set("superviseRun", Napi::Function::New(env, podrun::SuperviseRun));
  exports.Set("grpcHealthRequest", Napi::Function::New(env, podrun::GrpcHealthRequest));
  exports.Set("grpcHealthDecode", Napi::Function::New(env, podrun::GrpcHealthDecode));
  exports.Set("tlsClientNew", Napi::Function::New(env, podrun::TlsClientNew));
  exports.Set("tlsClientStep", Napi::Function::New(env, podrun::TlsClientStep));
  exports.Set("tlsClientSize", Napi::Function::New(env, podrun::TlsClientSize));
  return exports;
}

}  // namespace

NODE_API_MODULE(podrun_native, Init)
