// The pod's supervision as plan data (docs/supervision.md): every number of the monitor's state
// machine (addon/src/supervise.h `struct sv_config`) after Kubernetes' defaulting, in
// milliseconds, and the probe and hook handlers as the monitor will run them. Pure: the kubelet's
// numbers are here, the C side holds the machine (docs/reference/kubelet-rules.md gives the rules).
import type { ContainerManifest, InitContainerManifest, LifecycleHandlerManifest, PodManifest, ProbeManifest } from '../manifest/schema';
import { MAX_GRACE_SECONDS } from '../manifest/grace';
import { parseBackoff, RESTART_BACKOFF_ANNOTATION } from '../manifest/supervision';
import { parseSignal, stopSignalNumber } from '../manifest/signals';
import { expand } from './expand';
import { MAX_ARG_STRLEN } from '../manifest/exec-limits';
import type { ImageConfig } from '../images/types';
import type { PlannedHandler, PlannedProbe, PlannedSupervisedContainer, PlannedSupervision, RestartPolicy } from './types';

/** The kubelet's CrashLoopBackOff (kubelet.go: initialCrashLoopBackOff, MaxContainerBackOff, the 600 s reset; R1.3). */
export const KUBELET_BACKOFF = { initialMs: 10_000, maxMs: 300_000, resetMs: 600_000 } as const;
/** The least time from the stop signal to SIGKILL (kuberuntime_manager.go minimumGracePeriodInSeconds; §6.2 step 6). */
export const MIN_GRACE_MS = 2_000;
/** Probe defaults (pkg/apis/core/v1/defaults.go SetDefaults_Probe): 0 or unset is the default. */
export const PROBE_DEFAULTS = { periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 } as const;
/** A grace period in ms, at most the day podrun waits for a stop (schema.ts MAX_GRACE_SECONDS). */
const graceMs = (seconds: number) => Math.min(seconds, MAX_GRACE_SECONDS) * 1000;

type AnyContainer = ContainerManifest | InitContainerManifest;

export interface SupervisionInputs {
  /** Where httpGet, tcpSocket and grpc go when they name no host: the pod's IP (status.podIP). */
  podIP: string;
  /** The image config of each container, by image reference as written. */
  imageConfig: (image: string) => ImageConfig | undefined;
  /** The dev back-off for every pod (PODRUN_RESTART_BACKOFF); the pod's annotation wins. */
  globalBackoff?: string;
}

/**
 * The restart policy a container runs under after Kubernetes' defaulting (R2.2): app containers
 * the pod's; sidecars Always; regular init containers OnFailure under a pod's Always ("if the Pod
 * restartPolicy is set to Always, the init containers use restartPolicy OnFailure"), else the pod's.
 */
export function containerRestartPolicy(pod: RestartPolicy, kind: PlannedSupervisedContainer['kind']): RestartPolicy {
  if (kind === 'sidecar') return 'Always';
  if (kind === 'init' && pod === 'Always') return 'OnFailure';
  return pod;
}

/**
 * The stop signal's number: `lifecycle.stopSignal` (Kubernetes 1.33+), else the image config's
 * StopSignal as containerd reads it, else SIGTERM (containerd container_stop.go; §6.1).
 */
export function stopSignalOf(c: AnyContainer, image: ImageConfig | undefined): number {
  const own = c.lifecycle?.stopSignal;
  if (own !== undefined) return stopSignalNumber(own) ?? 15;
  return (image?.StopSignal ? parseSignal(image.StopSignal) : undefined) ?? 15;
}

/** $(VAR) in an exec probe's command, from the container's static `env` values only (ExpandContainerCommandOnlyStatic, §4.5). */
function staticEnv(c: AnyContainer): (name: string) => string | undefined {
  const map = new Map<string, string>();
  // EnvVarsToMap: every entry, `value` as written (a valueFrom one is ""), the last one winning.
  for (const e of c.env ?? []) map.set(e.name, e.value ?? '');
  return (n) => map.get(n);
}

function handler(h: NonNullable<ProbeManifest> | LifecycleHandlerManifest, c: AnyContainer, inputs: SupervisionInputs, expandCommand: boolean): PlannedHandler {
  const port = (p: number | string) => (typeof p === 'number' ? p : (c.ports ?? []).find((x) => x.name === p)?.containerPort ?? 0);
  if (h.exec) {
    const lookup = staticEnv(c);
    return { type: 'exec', command: expandCommand ? h.exec.command.map((a) => expand(a, lookup, MAX_ARG_STRLEN)) : [...h.exec.command] };
  }
  if (h.httpGet) {
    const g = h.httpGet;
    return {
      type: 'httpGet',
      scheme: g.scheme,
      host: g.host || inputs.podIP,
      port: port(g.port),
      // as Go's URL.String writes a relative path after the host
      path: g.path.startsWith('/') ? g.path : `/${g.path}`,
      headers: (g.httpHeaders ?? []).map((x) => ({ name: x.name, value: x.value })),
    };
  }
  if (h.tcpSocket) return { type: 'tcpSocket', host: h.tcpSocket.host || inputs.podIP, port: port(h.tcpSocket.port) };
  if ('grpc' in h && h.grpc) return { type: 'grpc', host: inputs.podIP, port: h.grpc.port, service: h.grpc.service };
  if ('sleep' in h && h.sleep) return { type: 'sleep', ms: h.sleep.seconds * 1000 };
  // validation asks for exactly one handler
  throw new Error('internal: a probe or hook without a handler');
}

function probe(p: ProbeManifest, c: AnyContainer, inputs: SupervisionInputs): PlannedProbe {
  const or = (v: number | undefined, d: number) => (v ? v : d);
  return {
    delayMs: (p.initialDelaySeconds ?? 0) * 1000,
    periodMs: or(p.periodSeconds, PROBE_DEFAULTS.periodSeconds) * 1000,
    timeoutMs: or(p.timeoutSeconds, PROBE_DEFAULTS.timeoutSeconds) * 1000,
    successThreshold: or(p.successThreshold, PROBE_DEFAULTS.successThreshold),
    failureThreshold: or(p.failureThreshold, PROBE_DEFAULTS.failureThreshold),
    // absent: the pod's (the monitor's SV_NEVER)
    ...(p.terminationGracePeriodSeconds !== undefined ? { graceMs: graceMs(p.terminationGracePeriodSeconds) } : {}),
    handler: handler(p, c, inputs, true),
  };
}

function supervised(c: AnyContainer, kind: PlannedSupervisedContainer['kind'], pod: RestartPolicy, inputs: SupervisionInputs): PlannedSupervisedContainer {
  const probes: PlannedSupervisedContainer['probes'] = {};
  if (c.startupProbe) probes.startup = probe(c.startupProbe, c, inputs);
  if (c.livenessProbe) probes.liveness = probe(c.livenessProbe, c, inputs);
  if (c.readinessProbe) probes.readiness = probe(c.readinessProbe, c, inputs);
  const lc = c.lifecycle;
  return {
    name: c.name,
    kind,
    restartPolicy: containerRestartPolicy(pod, kind),
    stopSignal: stopSignalOf(c, inputs.imageConfig(c.image)),
    probes,
    // lifecycle handlers run their command as written (handlers.go: no $(VAR) expansion)
    ...(lc?.postStart ? { postStart: handler(lc.postStart, c, inputs, false) } : {}),
    ...(lc?.preStop ? { preStop: handler(lc.preStop, c, inputs, false) } : {}),
    terminationMessage: { path: c.terminationMessagePath, policy: c.terminationMessagePolicy },
  };
}

/**
 * The back-off: the dev back-off of the pod's `podrun.dev/restart-backoff` annotation, else the
 * global one (PODRUN_RESTART_BACKOFF), else the kubelet's.
 */
export function planBackoff(m: PodManifest, global?: string): PlannedSupervision['backoff'] {
  const raw = m.metadata.annotations?.[RESTART_BACKOFF_ANNOTATION];
  for (const [v, from] of [[raw, 'annotation'], [global, 'global']] as const) {
    const dev = v !== undefined ? parseBackoff(v) : undefined;
    if (dev && !('problem' in dev)) return { initialMs: dev.initialMs, maxMs: dev.maxMs, resetMs: dev.resetMs ?? KUBELET_BACKOFF.resetMs, [from]: v };
  }
  return { ...KUBELET_BACKOFF };
}

/** The supervision section of the plan: containers in the machine's order, init containers first. */
export function planSupervision(m: PodManifest, inputs: SupervisionInputs): PlannedSupervision {
  const pod = m.spec.restartPolicy;
  return {
    restartPolicy: pod,
    graceMs: graceMs(m.spec.terminationGracePeriodSeconds),
    minGraceMs: MIN_GRACE_MS,
    backoff: planBackoff(m, inputs.globalBackoff),
    containers: [
      ...(m.spec.initContainers ?? []).map((c) => supervised(c, c.restartPolicy === 'Always' ? 'sidecar' : 'init', pod, inputs)),
      ...m.spec.containers.map((c) => supervised(c, 'app', pod, inputs)),
    ],
  };
}
