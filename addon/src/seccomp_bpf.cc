// compileSeccomp(profile, capabilities): a seccomp profile in the Docker/OCI JSON format, compiled
// with libseccomp for one container's capability bounding set, as the classic BPF program that
// podrun-helper installs (seccomp(SECCOMP_SET_MODE_FILTER)). The rules' conditions are evaluated
// as moby's profiles/seccomp does (seccomp_linux.go setupSeccomp): `includes`/`excludes` by
// capabilities in the bounding set, the host's architecture and kernel; the filter covers the
// native architecture plus the sub-architectures the profile's archMap gives it (x86_64: i386
// and x32, each with its own syscall table, as libseccomp handles them). Syscall names libseccomp
// does not know are skipped and reported, as runc does. Every other problem in the profile is a
// TypeError whose `field` is the JSON path (`syscalls[3].action`).
#include <napi.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <seccomp.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

namespace {

struct ArchName {
  uint32_t token;
  const char *scmp;    // the profile's name (archMap, architectures)
  const char *docker;  // the name `includes.arches` / `excludes.arches` use
};

const ArchName ARCHES[] = {
    {SCMP_ARCH_X86_64, "SCMP_ARCH_X86_64", "amd64"},   {SCMP_ARCH_X86, "SCMP_ARCH_X86", "x86"},
    {SCMP_ARCH_X32, "SCMP_ARCH_X32", "x32"},           {SCMP_ARCH_AARCH64, "SCMP_ARCH_AARCH64", "arm64"},
    {SCMP_ARCH_ARM, "SCMP_ARCH_ARM", "arm"},           {SCMP_ARCH_PPC64LE, "SCMP_ARCH_PPC64LE", "ppc64le"},
    {SCMP_ARCH_PPC64, "SCMP_ARCH_PPC64", "ppc64"},     {SCMP_ARCH_PPC, "SCMP_ARCH_PPC", "ppc"},
    {SCMP_ARCH_S390X, "SCMP_ARCH_S390X", "s390x"},     {SCMP_ARCH_S390, "SCMP_ARCH_S390", "s390"},
    {SCMP_ARCH_RISCV64, "SCMP_ARCH_RISCV64", "riscv64"}, {SCMP_ARCH_MIPS, "SCMP_ARCH_MIPS", "mips"},
    {SCMP_ARCH_MIPSEL, "SCMP_ARCH_MIPSEL", "mipsel"},  {SCMP_ARCH_MIPS64, "SCMP_ARCH_MIPS64", "mips64"},
    {SCMP_ARCH_MIPSEL64, "SCMP_ARCH_MIPSEL64", "mipsel64"},
    {SCMP_ARCH_MIPS64N32, "SCMP_ARCH_MIPS64N32", "mips64n32"},
    {SCMP_ARCH_MIPSEL64N32, "SCMP_ARCH_MIPSEL64N32", "mipsel64n32"},
};

const ArchName *arch_by_token(uint32_t token) {
  for (const auto &a : ARCHES)
    if (a.token == token) return &a;
  return nullptr;
}

const ArchName *arch_by_scmp(const std::string &name) {
  for (const auto &a : ARCHES)
    if (name == a.scmp) return &a;
  return nullptr;
}

class Compiler {
 public:
  Compiler(Napi::Env env, std::vector<std::string> caps) : env_(env), caps_(std::move(caps)) {
    native_ = arch_by_token(seccomp_arch_native());
    struct utsname u;
    if (uname(&u) == 0) sscanf(u.release, "%u.%u", &kernel_major_, &kernel_minor_);
  }
  ~Compiler() {
    if (filter_) seccomp_release(filter_);
  }

  // Returns false with a JavaScript exception pending.
  bool compile(const Napi::Object &profile, std::vector<uint8_t> &program, std::vector<std::string> &skipped);

 private:
  Napi::Env env_;
  std::vector<std::string> caps_;
  const ArchName *native_;
  unsigned kernel_major_ = 0, kernel_minor_ = 0;
  scmp_filter_ctx filter_ = nullptr;

  bool fail(const std::string &field, const std::string &msg) {
    Napi::TypeError e = Napi::TypeError::New(env_, (field.empty() ? "" : field + ": ") + msg);
    e.Set("field", Napi::String::New(env_, field));
    e.ThrowAsJavaScriptException();
    return false;
  }

  bool fail_rc(int rc, const char *syscall, const std::string &field) {
    Napi::Error e = Napi::Error::New(env_, std::string(syscall) + ": " + strerror(-rc) + " (" + field + ")");
    e.Set("errno", Napi::Number::New(env_, -rc));
    e.Set("syscall", Napi::String::New(env_, syscall));
    e.Set("path", Napi::String::New(env_, field));
    e.ThrowAsJavaScriptException();
    return false;
  }

  bool only_keys(const Napi::Object &o, const std::string &at, std::initializer_list<const char *> keys) {
    Napi::Array names = o.GetPropertyNames();
    for (uint32_t i = 0; i < names.Length(); i++) {
      std::string k = names.Get(i).As<Napi::String>().Utf8Value();
      bool known = false;
      for (const char *want : keys) known = known || k == want;
      if (!known) return fail(at.empty() ? k : at + "." + k, "unknown field");
    }
    return true;
  }

  bool object_at(const Napi::Value &v, const std::string &at, Napi::Object &out) {
    if (!v.IsObject() || v.IsArray()) return fail(at, "expected an object");
    out = v.As<Napi::Object>();
    return true;
  }

  bool string_at(const Napi::Value &v, const std::string &at, std::string &out) {
    if (!v.IsString()) return fail(at, "expected a string");
    out = v.As<Napi::String>().Utf8Value();
    return true;
  }

  bool strings_at(const Napi::Value &v, const std::string &at, std::vector<std::string> &out) {
    if (v.IsNull() || v.IsUndefined()) return true;
    if (!v.IsArray()) return fail(at, "expected a list of strings");
    Napi::Array a = v.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) {
      std::string s;
      if (!string_at(a.Get(i), at + "[" + std::to_string(i) + "]", s)) return false;
      out.push_back(s);
    }
    return true;
  }

  bool integer_at(const Napi::Value &v, const std::string &at, double max, uint64_t &out) {
    if (!v.IsNumber()) return fail(at, "expected a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if (d < 0 || d > max || d != (double)(uint64_t)d) return fail(at, "expected an integer from 0 to " + std::to_string((uint64_t)max));
    out = (uint64_t)d;
    return true;
  }

  bool action_at(const Napi::Object &o, const std::string &at, const char *key, const char *errno_key, uint32_t &out);
  bool filter_applies(const Napi::Value &v, const std::string &at, bool includes, bool &applies);
  bool add_rule(const Napi::Object &rule, const std::string &at, uint32_t default_action, std::vector<std::string> &skipped);
  bool arches(const Napi::Object &profile);
};

bool Compiler::action_at(const Napi::Object &o, const std::string &at, const char *key, const char *errno_key,
                         uint32_t &out) {
  std::string a;
  const std::string field = at.empty() ? key : at + "." + key;
  if (!o.Has(key)) return fail(field, "Required");
  if (!string_at(o.Get(key), field, a)) return false;
  uint64_t ret = EPERM;
  bool has_ret = o.Has(errno_key) && !o.Get(errno_key).IsUndefined();
  if (has_ret && !integer_at(o.Get(errno_key), at.empty() ? errno_key : at + "." + errno_key, 4095, ret))
    return false;
  if (a == "SCMP_ACT_ALLOW")
    out = SCMP_ACT_ALLOW;
  else if (a == "SCMP_ACT_ERRNO")
    out = SCMP_ACT_ERRNO((uint32_t)ret);
  else if (a == "SCMP_ACT_TRACE")
    out = SCMP_ACT_TRACE((uint32_t)ret);
  else if (a == "SCMP_ACT_KILL" || a == "SCMP_ACT_KILL_THREAD")
    out = SCMP_ACT_KILL;
  else if (a == "SCMP_ACT_KILL_PROCESS")
    out = SCMP_ACT_KILL_PROCESS;
  else if (a == "SCMP_ACT_TRAP")
    out = SCMP_ACT_TRAP;
  else if (a == "SCMP_ACT_LOG")
    out = SCMP_ACT_LOG;
  else if (a == "SCMP_ACT_NOTIFY")
    return fail(field, "SCMP_ACT_NOTIFY is not supported: podrun runs no seccomp agent");
  else
    return fail(field, "unknown action \"" + a +
                           "\" (use SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, "
                           "SCMP_ACT_TRAP, SCMP_ACT_TRACE or SCMP_ACT_LOG)");
  if (has_ret && a != "SCMP_ACT_ERRNO" && a != "SCMP_ACT_TRACE")
    return fail(at.empty() ? errno_key : at + "." + errno_key, "only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one");
  return true;
}

// Whether a rule's `includes` (all must hold) or `excludes` (any excludes) lets it apply.
bool Compiler::filter_applies(const Napi::Value &v, const std::string &at, bool includes, bool &applies) {
  applies = true;
  if (v.IsUndefined() || v.IsNull()) return true;
  Napi::Object f;
  if (!object_at(v, at, f) || !only_keys(f, at, {"caps", "arches", "minKernel"})) return false;
  std::vector<std::string> caps, arches;
  if (!strings_at(f.Get("caps"), at + ".caps", caps) || !strings_at(f.Get("arches"), at + ".arches", arches))
    return false;
  bool any = false, all = true;
  auto count = [&](bool hit) {
    any = any || hit;
    all = all && hit;
  };
  for (const auto &c : caps) {
    bool have = false;
    for (const auto &mine : caps_) have = have || mine == c;
    count(have);
  }
  if (!arches.empty()) {
    bool hit = false;
    for (const auto &a : arches) hit = hit || (native_ && a == native_->docker);
    count(hit);
  }
  if (f.Has("minKernel") && !f.Get("minKernel").IsUndefined()) {
    std::string k;
    unsigned major = 0, minor = 0;
    char rest;
    if (!string_at(f.Get("minKernel"), at + ".minKernel", k)) return false;
    if (sscanf(k.c_str(), "%u.%u%c", &major, &minor, &rest) != 2)
      return fail(at + ".minKernel", "expected \"MAJOR.MINOR\", e.g. \"4.8\"");
    count(kernel_major_ > major || (kernel_major_ == major && kernel_minor_ >= minor));
  }
  applies = includes ? all : !any;
  return true;
}

const struct {
  const char *name;
  enum scmp_compare op;
} OPS[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

bool Compiler::add_rule(const Napi::Object &rule, const std::string &at, uint32_t default_action,
                        std::vector<std::string> &skipped) {
  if (!only_keys(rule, at, {"names", "name", "action", "errnoRet", "args", "comment", "includes", "excludes"}))
    return false;
  std::vector<std::string> names;
  if (rule.Has("name") && !rule.Get("name").IsUndefined()) {
    std::string n;
    if (rule.Has("names")) return fail(at + ".name", "give either name or names");
    if (!string_at(rule.Get("name"), at + ".name", n)) return false;
    names.push_back(n);
  } else if (!rule.Has("names"))
    return fail(at + ".names", "Required");
  else if (!strings_at(rule.Get("names"), at + ".names", names))
    return false;
  uint32_t action;
  if (!action_at(rule, at, "action", "errnoRet", action)) return false;

  std::vector<scmp_arg_cmp> conds;
  unsigned per_arg[6] = {0};
  if (rule.Has("args") && !rule.Get("args").IsNull() && !rule.Get("args").IsUndefined()) {
    if (!rule.Get("args").IsArray()) return fail(at + ".args", "expected a list");
    Napi::Array args = rule.Get("args").As<Napi::Array>();
    for (uint32_t i = 0; i < args.Length(); i++) {
      const std::string aat = at + ".args[" + std::to_string(i) + "]";
      Napi::Object a;
      uint64_t index, value, value_two = 0;
      std::string op;
      if (!object_at(args.Get(i), aat, a) || !only_keys(a, aat, {"index", "value", "valueTwo", "op"})) return false;
      if (!a.Has("index")) return fail(aat + ".index", "Required");
      if (!a.Has("value")) return fail(aat + ".value", "Required");
      if (!a.Has("op")) return fail(aat + ".op", "Required");
      if (!integer_at(a.Get("index"), aat + ".index", 5, index) ||
          !integer_at(a.Get("value"), aat + ".value", 9007199254740991.0, value) ||
          (a.Has("valueTwo") && !integer_at(a.Get("valueTwo"), aat + ".valueTwo", 9007199254740991.0, value_two)) ||
          !string_at(a.Get("op"), aat + ".op", op))
        return false;
      bool known = false;
      for (const auto &o : OPS)
        if (op == o.name) {
          conds.push_back({(unsigned)index, o.op, value, value_two});
          known = true;
        }
      if (!known) return fail(aat + ".op", "unknown operator \"" + op + "\"");
      per_arg[index]++;
    }
  }
  bool in, out;
  if (!filter_applies(rule.Get("includes"), at + ".includes", true, in) ||
      !filter_applies(rule.Get("excludes"), at + ".excludes", false, out))
    return false;
  // Redundant with the default action (libseccomp refuses it with EACCES): nothing to add.
  if (!in || !out || action == default_action) return true;
  // libseccomp cannot AND two conditions on one argument; as runc does, a rule with several
  // conditions on any one argument becomes one rule per condition (any of them matches).
  bool split = false;
  for (unsigned n : per_arg) split = split || n > 1;
  for (size_t i = 0; i < names.size(); i++) {
    int nr = seccomp_syscall_resolve_name(names[i].c_str());
    if (nr == __NR_SCMP_ERROR) {
      skipped.push_back(names[i]);
      continue;
    }
    const std::string field = at + ".names[" + std::to_string(i) + "] " + names[i];
    if (split) {
      for (const auto &c : conds) {
        int rc = seccomp_rule_add_array(filter_, action, nr, 1, &c);
        if (rc < 0) return fail_rc(rc, "seccomp_rule_add", field);
      }
    } else {
      int rc = seccomp_rule_add_array(filter_, action, nr, (unsigned)conds.size(), conds.empty() ? nullptr : conds.data());
      if (rc < 0) return fail_rc(rc, "seccomp_rule_add", field);
    }
  }
  return true;
}

}  // namespace

namespace {

bool Compiler::arches(const Napi::Object &profile) {
  std::vector<std::string> list;
  if (!strings_at(profile.Get("architectures"), "architectures", list)) return false;
  bool has_map = profile.Has("archMap") && !profile.Get("archMap").IsNull() && !profile.Get("archMap").IsUndefined();
  if (!list.empty() && has_map) return fail("archMap", "give either architectures or archMap");
  for (size_t i = 0; i < list.size(); i++) {
    const ArchName *a = arch_by_scmp(list[i]);
    if (!a) return fail("architectures[" + std::to_string(i) + "]", "unknown architecture \"" + list[i] + "\"");
    int rc = seccomp_arch_add(filter_, a->token);
    if (rc < 0 && rc != -EEXIST) return fail_rc(rc, "seccomp_arch_add", "architectures[" + std::to_string(i) + "]");
  }
  if (!has_map) return true;
  if (!profile.Get("archMap").IsArray()) return fail("archMap", "expected a list");
  Napi::Array map = profile.Get("archMap").As<Napi::Array>();
  for (uint32_t i = 0; i < map.Length(); i++) {
    const std::string at = "archMap[" + std::to_string(i) + "]";
    Napi::Object entry;
    std::string arch;
    std::vector<std::string> subs;
    if (!object_at(map.Get(i), at, entry) || !only_keys(entry, at, {"architecture", "subArchitectures"}) ||
        !string_at(entry.Get("architecture"), at + ".architecture", arch) ||
        !strings_at(entry.Get("subArchitectures"), at + ".subArchitectures", subs))
      return false;
    // Only the host's own entry matters: the filter is for this machine.
    if (!native_ || arch != native_->scmp) continue;
    for (size_t j = 0; j < subs.size(); j++) {
      const std::string sat = at + ".subArchitectures[" + std::to_string(j) + "]";
      const ArchName *a = arch_by_scmp(subs[j]);
      if (!a) return fail(sat, "unknown architecture \"" + subs[j] + "\"");
      int rc = seccomp_arch_add(filter_, a->token);
      if (rc < 0 && rc != -EEXIST) return fail_rc(rc, "seccomp_arch_add", sat);
    }
  }
  return true;
}

bool Compiler::compile(const Napi::Object &profile, std::vector<uint8_t> &program, std::vector<std::string> &skipped) {
  if (!only_keys(profile, "",
                 {"defaultAction", "defaultErrnoRet", "architectures", "archMap", "syscalls", "flags", "listenerPath",
                  "listenerMetadata"}))
    return false;
  uint32_t def;
  if (!action_at(profile, "", "defaultAction", "defaultErrnoRet", def)) return false;
  std::vector<std::string> flags;
  if (!strings_at(profile.Get("flags"), "flags", flags)) return false;
  if (!flags.empty()) return fail("flags", "filter flags are not supported by podrun");
  for (const char *k : {"listenerPath", "listenerMetadata"}) {
    Napi::Value v = profile.Get(k);
    if (!v.IsUndefined() && !v.IsNull() && !(v.IsString() && v.As<Napi::String>().Utf8Value().empty()))
      return fail(k, "seccomp agents are not supported by podrun");
  }
  filter_ = seccomp_init(def);
  if (!filter_) return fail_rc(-EINVAL, "seccomp_init", "defaultAction");
  // libseccomp's default layout (one comparison per syscall, in priority order), as runc's:
  // its binary tree (SCMP_FLTATR_CTL_OPTIMIZE 2) took 60 % longer to compile here, and the
  // kernel's action cache (Linux 5.11) skips the program for every syscall it allows whatever the
  // arguments, so a running container seldom walks it.
  if (!arches(profile)) return false;
  Napi::Value calls = profile.Get("syscalls");
  if (!calls.IsUndefined() && !calls.IsNull()) {
    if (!calls.IsArray()) return fail("syscalls", "expected a list");
    Napi::Array rules = calls.As<Napi::Array>();
    for (uint32_t i = 0; i < rules.Length(); i++) {
      const std::string at = "syscalls[" + std::to_string(i) + "]";
      Napi::Object rule;
      if (!object_at(rules.Get(i), at, rule) || !add_rule(rule, at, def, skipped)) return false;
    }
  }
  int fd = memfd_create("podrun-seccomp", MFD_CLOEXEC);
  if (fd < 0) return fail_rc(-errno, "memfd_create", "");
  int rc = seccomp_export_bpf(filter_, fd);
  off_t size = rc < 0 ? 0 : lseek(fd, 0, SEEK_END);
  if (rc == 0 && size < 0) rc = -errno;
  if (rc == 0) {
    program.resize((size_t)size);
    if (pread(fd, program.data(), program.size(), 0) != (ssize_t)program.size()) rc = -(errno ? errno : EIO);
  }
  close(fd);
  if (rc < 0) return fail_rc(rc, "seccomp_export_bpf", "");
  return true;
}

}  // namespace

namespace podrun {

Napi::Value CompileSeccomp(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsArray()) {
    Napi::TypeError::New(env, "compileSeccomp(profile: string, capabilities: string[])").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::vector<std::string> caps;
  Napi::Array capArr = info[1].As<Napi::Array>();
  for (uint32_t i = 0; i < capArr.Length(); i++) {
    Napi::Value v = capArr.Get(i);
    if (!v.IsString()) {
      Napi::TypeError::New(env, "compileSeccomp: capabilities must be strings").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    caps.push_back(v.As<Napi::String>().Utf8Value());
  }
  Napi::Object json = env.Global().Get("JSON").As<Napi::Object>();
  Napi::Value parsed = json.Get("parse").As<Napi::Function>().Call(json, {info[0]});
  Compiler c(env, std::move(caps));
  if (env.IsExceptionPending()) {
    Napi::Error e = env.GetAndClearPendingException();
    Napi::TypeError t = Napi::TypeError::New(env, "not valid JSON: " + e.Message());
    t.Set("field", Napi::String::New(env, ""));
    t.ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::vector<uint8_t> program;
  std::vector<std::string> skipped;
  if (!parsed.IsObject() || parsed.IsArray()) {
    Napi::TypeError t = Napi::TypeError::New(env, "a profile is a JSON object with defaultAction and syscalls");
    t.Set("field", Napi::String::New(env, ""));
    t.ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (!c.compile(parsed.As<Napi::Object>(), program, skipped)) return env.Undefined();
  Napi::Object out = Napi::Object::New(env);
  out.Set("program", Napi::Buffer<uint8_t>::Copy(env, program.data(), program.size()));
  Napi::Array names = Napi::Array::New(env);
  for (size_t i = 0; i < skipped.size(); i++) names.Set((uint32_t)i, skipped[i]);
  out.Set("skipped", names);
  return out;
}

}  // namespace podrun
