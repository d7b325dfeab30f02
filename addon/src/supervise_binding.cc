// superviseRun(configJson, events): the tests' window into the pure state machine (supervise.c).
// Builds a machine from the config, feeds it the events in order and returns, per event, the
// actions it emitted, sv_next_deadline and a snapshot of the status. Test-only: podrun itself
// runs the machine in the monitor. Containers are named here (the machine knows indexes only),
// so test tables read `exited a code 1 -> start a`.
#include <napi.h>

extern "C" {
#include "supervise.h"
}

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {

const char *const KINDS[] = {"init", "sidecar", "app"};
const char *const POLICIES[] = {"Always", "OnFailure", "Never"};
const char *const PROBES[] = {"startup", "liveness", "readiness"};
const char *const PROBE_FIELDS[] = {"startupProbe", "livenessProbe", "readinessProbe"};
const char *const RESULTS[] = {"success", "warning", "failure", "error"};
const char *const HOOKS[] = {"", "postStart", "preStop"};
const char *const EVENTS[] = {"begin", "started", "start_failed", "exited", "probe", "hook", "timer", "stop", "restart", "replace"};
const char *const ACTIONS[] = {"start",  "signal",     "probe", "cancel_probe", "hook",
                               "cancel_hook", "status", "pod_status", "event", "done"};
const char *const KILLS[] = {"", "stop", "liveness", "startup", "postStart", "resize", "spec", "watch"};
const char *const STATES[] = {"waiting", "running", "terminated"};

// The first problem found (no C++ exceptions in the addon): parsing goes on with zero values
// after it and the result is thrown away.
struct Err {
  std::string what;
  void set(const std::string &w) {
    if (what.empty()) what = w;
  }
};

template <size_t N>
int lookup(Err &err, const char *const (&table)[N], const std::string &s, const std::string &field) {
  for (size_t i = 0; i < N; i++)
    if (s == table[i] && *table[i]) return (int)i;
  err.set(field + ": unknown value \"" + s + "\"");
  return 0;
}

Napi::Value get(const Napi::Object &o, const char *key) { return o.Has(key) ? o.Get(key) : o.Env().Undefined(); }

int64_t num(Err &err, const Napi::Object &o, const char *key, const std::string &path, bool optional = false,
            int64_t dflt = 0) {
  Napi::Value v = get(o, key);
  if (v.IsUndefined() && optional) return dflt;
  if (!v.IsNumber()) {
    err.set(path + "." + key + ": a number is required");
    return 0;
  }
  return v.As<Napi::Number>().Int64Value();
}

bool flag(Err &err, const Napi::Object &o, const char *key, const std::string &path) {
  Napi::Value v = get(o, key);
  if (v.IsUndefined()) return false;
  if (!v.IsBoolean()) {
    err.set(path + "." + key + ": a boolean is required");
    return false;
  }
  return v.As<Napi::Boolean>().Value();
}

std::string str(Err &err, const Napi::Object &o, const char *key, const std::string &path) {
  Napi::Value v = get(o, key);
  if (!v.IsString()) {
    err.set(path + "." + key + ": a string is required");
    return "";
  }
  return v.As<Napi::String>().Utf8Value();
}

// An object, or (with ERR set) an empty one to read zero values from.
Napi::Object object(Err &err, const Napi::Value &v, const std::string &path) {
  if (!v.IsObject() || v.IsArray()) {
    err.set(path + ": an object is required");
    return Napi::Object::New(v.Env());
  }
  return v.As<Napi::Object>();
}

void parse_config(Err &err, const Napi::Object &cfg, sv_config &out, std::vector<sv_container_config> &ctrs,
                  std::vector<std::string> &names) {
  out = sv_config();
  out.restart = (sv_policy)lookup(err, POLICIES, str(err, cfg, "restartPolicy", "config"), "config.restartPolicy");
  out.grace = num(err, cfg, "graceMs", "config");
  out.min_grace = num(err, cfg, "minGraceMs", "config");
  Napi::Object bo = object(err, get(cfg, "backoff"), "config.backoff");
  out.backoff_initial = num(err, bo, "initialMs", "config.backoff");
  out.backoff_max = num(err, bo, "maxMs", "config.backoff");
  out.backoff_reset = num(err, bo, "resetMs", "config.backoff");
  Napi::Value list = get(cfg, "containers");
  if (!list.IsArray()) {
    err.set("config.containers: an array is required");
    return;
  }
  Napi::Array arr = list.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) {
    std::string path = "config.containers[" + std::to_string(i) + "]";
    Napi::Object c = object(err, arr.Get(i), path);
    sv_container_config cc = sv_container_config();
    names.push_back(str(err, c, "name", path));
    cc.kind = (sv_kind)lookup(err, KINDS, str(err, c, "kind", path), path + ".kind");
    cc.restart = (sv_policy)lookup(err, POLICIES, str(err, c, "restartPolicy", path), path + ".restartPolicy");
    cc.post_start = flag(err, c, "postStart", path);
    cc.pre_stop = flag(err, c, "preStop", path);
    cc.stop_signal = (int)num(err, c, "stopSignal", path);
    for (int k = 0; k < SV_N_PROBES; k++) {
      Napi::Value pv = get(c, PROBE_FIELDS[k]);
      if (pv.IsUndefined()) continue;
      std::string pp = path + "." + PROBE_FIELDS[k];
      Napi::Object p = object(err, pv, pp);
      sv_probe_config &pc = cc.probes[k];
      pc.present = 1;
      pc.delay = num(err, p, "delayMs", pp);
      pc.period = num(err, p, "periodMs", pp);
      pc.timeout = num(err, p, "timeoutMs", pp);
      pc.success = (int)num(err, p, "successThreshold", pp);
      pc.failure = (int)num(err, p, "failureThreshold", pp);
      pc.grace = num(err, p, "graceMs", pp, true, SV_NEVER);
    }
    ctrs.push_back(cc);
  }
  out.containers = ctrs.data();
  out.n_containers = ctrs.size();
}

size_t container_index(Err &err, const std::vector<std::string> &names, const std::string &name,
                       const std::string &field) {
  for (size_t i = 0; i < names.size(); i++)
    if (names[i] == name) return i;
  err.set(field + ": no container \"" + name + "\"");
  return 0;
}

sv_event parse_event(Err &err, const Napi::Object &e, const std::vector<std::string> &names, const std::string &path) {
  sv_event ev = sv_event();
  ev.type = (sv_event_type)lookup(err, EVENTS, str(err, e, "type", path), path + ".type");
  ev.now = num(err, e, "t", path);
  ev.grace = SV_NEVER;
  switch (ev.type) {
    case SV_EV_BEGIN:
    case SV_EV_TIMER:
      break;
    case SV_EV_STOP:
      ev.grace = num(err, e, "graceMs", path, true, SV_NEVER);
      ev.force = flag(err, e, "force", path);
      break;
    default:
      ev.container = container_index(err, names, str(err, e, "c", path), path + ".c");
      break;
  }
  if (ev.type == SV_EV_EXITED) {
    ev.code = (int)num(err, e, "code", path, true, 0);
    ev.signal = (int)num(err, e, "signal", path, true, 0);
    ev.oom = flag(err, e, "oom", path);
  } else if (ev.type == SV_EV_PROBE) {
    ev.probe = (sv_probe_kind)lookup(err, PROBES, str(err, e, "probe", path), path + ".probe");
    ev.result = (sv_probe_result)lookup(err, RESULTS, str(err, e, "result", path), path + ".result");
  } else if (ev.type == SV_EV_RESTART) {
    ev.watch = flag(err, e, "watch", path);
  } else if (ev.type == SV_EV_REPLACE) {
    ev.grace = num(err, e, "graceMs", path, true, SV_NEVER);
    ev.force = flag(err, e, "force", path);
  } else if (ev.type == SV_EV_HOOK) {
    ev.hook = (sv_hook)lookup(err, HOOKS, str(err, e, "hook", path), path + ".hook");
    ev.ok = flag(err, e, "ok", path);
  }
  return ev;
}

Napi::Object action_object(Napi::Env env, const sv_action &a, const std::vector<std::string> &names) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("type", ACTIONS[a.type]);
  if (a.type != SV_ACT_POD_STATUS && a.type != SV_ACT_DONE) o.Set("c", names[a.container]);
  switch (a.type) {
    case SV_ACT_SIGNAL:
      o.Set("signal", a.signal);
      break;
    case SV_ACT_PROBE:
      o.Set("probe", PROBES[a.probe]);
      o.Set("timeoutMs", (double)a.timeout);
      break;
    case SV_ACT_CANCEL_PROBE:
      o.Set("probe", PROBES[a.probe]);
      break;
    case SV_ACT_HOOK:
    case SV_ACT_CANCEL_HOOK:
      o.Set("hook", HOOKS[a.hook]);
      break;
    case SV_ACT_EVENT:
      o.Set("reason", sv_reason_name(a.reason));
      if (a.reason == SV_REASON_KILLING) {
        o.Set("kill", KILLS[a.kill]);
        o.Set("willRestart", a.will_restart != 0);
      } else if (a.reason == SV_REASON_UNHEALTHY || a.reason == SV_REASON_PROBE_WARNING) {
        o.Set("probe", sv_probe_name(a.probe));
        if (a.reason == SV_REASON_UNHEALTHY) o.Set("result", RESULTS[a.result]);
        if (a.timeout != SV_NEVER) o.Set("timeoutMs", (double)a.timeout);
      } else if (a.reason == SV_REASON_BACK_OFF) {
        o.Set("backoffMs", (double)a.backoff);
      }
      break;
    default:
      break;
  }
  return o;
}

Napi::Value termination(Napi::Env env, const sv_termination &t) {
  if (!t.has) return env.Null();
  Napi::Object o = Napi::Object::New(env);
  o.Set("exitCode", t.exit_code);
  o.Set("signal", t.signal);
  o.Set("oom", t.oom != 0);
  o.Set("reason", sv_term_reason_name(t.reason));
  o.Set("startedAt", t.started_at == SV_NEVER ? env.Null() : Napi::Number::New(env, (double)t.started_at));
  o.Set("finishedAt", (double)t.finished_at);
  o.Set("instance", t.instance);
  return o;
}

Napi::Object snapshot(Napi::Env env, const sv_machine *m, const std::vector<std::string> &names) {
  Napi::Object out = Napi::Object::New(env);
  sv_pod_status p;
  sv_get_pod_status(m, &p);
  Napi::Object pod = Napi::Object::New(env);
  pod.Set("phase", sv_phase_name(p.phase));
  pod.Set("begun", p.begun != 0);
  pod.Set("stopping", p.stopping != 0);
  pod.Set("deleting", p.deleting != 0);
  pod.Set("done", p.done != 0);
  Napi::Object conds = Napi::Object::New(env);
  for (int k = 0; k < SV_N_CONDITIONS; k++) {
    const sv_condition &c = p.conditions[k];
    Napi::Object co = Napi::Object::New(env);
    co.Set("status", c.status ? "True" : "False");
    co.Set("reason", sv_condition_reason_name(c.reason));
    co.Set("lastTransitionMs", (double)c.transition);
    Napi::Array listed = Napi::Array::New(env);
    for (size_t i = 0, n = 0; i < names.size(); i++)
      if (sv_condition_lists(m, (sv_condition_type)k, i)) listed.Set((uint32_t)n++, names[i]);
    co.Set("listed", listed);
    conds.Set(sv_condition_name((sv_condition_type)k), co);
  }
  pod.Set("conditions", conds);
  out.Set("pod", pod);
  Napi::Object ctrs = Napi::Object::New(env);
  for (size_t i = 0; i < names.size(); i++) {
    sv_container_status s;
    sv_get_container_status(m, i, &s);
    Napi::Object c = Napi::Object::New(env);
    c.Set("state", STATES[s.state]);
    if (s.state == SV_STATE_WAITING) {
      c.Set("reason", sv_waiting_name(s.waiting));
      if (s.waiting == SV_WAITING_CRASH_LOOP_BACK_OFF) c.Set("backoffMs", (double)s.backoff);
    }
    if (s.state == SV_STATE_RUNNING) c.Set("startedAt", (double)s.started_at);
    if (s.state == SV_STATE_TERMINATED) c.Set("terminated", termination(env, s.terminated));
    c.Set("lastState", termination(env, s.last));
    c.Set("restartCount", s.restart_count);
    c.Set("started", s.started != 0);
    c.Set("ready", s.ready != 0);
    ctrs.Set(names[i], c);
  }
  out.Set("containers", ctrs);
  return out;
}

Napi::Value fail(Napi::Env env, const std::string &msg) {
  Napi::TypeError::New(env, msg).ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace

namespace podrun {

Napi::Value SuperviseRun(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsArray()) {
    Napi::TypeError::New(env, "superviseRun(configJson: string, events: object[])").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object json = env.Global().Get("JSON").As<Napi::Object>();
  Napi::Value parsed = json.Get("parse").As<Napi::Function>().Call(json, {info[0]});
  if (env.IsExceptionPending()) return env.Undefined();
  Err err;
  sv_config cfg;
  std::vector<sv_container_config> ctrs;
  std::vector<std::string> names;
  parse_config(err, object(err, parsed, "config"), cfg, ctrs, names);
  if (!err.what.empty()) return fail(env, err.what);
  std::unique_ptr<char[]> mem(new char[sv_machine_size(ctrs.size())]);
  sv_machine *m = reinterpret_cast<sv_machine *>(mem.get());
  const char *why = nullptr;
  if (sv_init(m, &cfg, &why) < 0) return fail(env, std::string("config: ") + why);
  std::vector<sv_action> actions(sv_actions_max(m));
  Napi::Array events = info[1].As<Napi::Array>();
  Napi::Array out = Napi::Array::New(env);
  for (uint32_t i = 0; i < events.Length(); i++) {
    std::string path = "events[" + std::to_string(i) + "]";
    sv_event ev = parse_event(err, object(err, events.Get(i), path), names, path);
    if (!err.what.empty()) return fail(env, err.what);
    int n = sv_step(m, &ev, actions.data(), actions.size());
    if (n < 0) return fail(env, path + ": refused by sv_step");
    Napi::Array acts = Napi::Array::New(env);
    for (int j = 0; j < n; j++) acts.Set((uint32_t)j, action_object(env, actions[j], names));
    Napi::Object step = Napi::Object::New(env);
    step.Set("actions", acts);
    step.Set("nextDeadline", (double)sv_next_deadline(m));
    step.Set("status", snapshot(env, m, names));
    out.Set(i, step);
  }
  return out;
}

}  // namespace podrun
