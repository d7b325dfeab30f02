// The plan: everything `apply` will do for one pod, as data. `planPod(spec, facts)` is pure and
// golden-tested; `podrun apply --dry-run -o json` prints it; runtime/apply.ts carries it out.
import type { ImageConfig, PullPolicy } from '../images/types';

export type NamespaceMode = 'pod' | 'host';

export interface PlannedVolume {
  name: string;
  /** Absolute directory (or file, for hostPath File types) that containers bind from. */
  source: string;
  kind: 'emptyDir' | 'hostPath';
  /** emptyDir medium Memory: a tmpfs mounted in the pod's mount namespace at `source`. */
  tmpfs?: { sizeBytes: number };
  /** emptyDir sizeLimit on disk (recorded; enforcement comes with the supervision work). */
  sizeLimitBytes?: number;
  /** hostPath type: '', Directory, DirectoryOrCreate, File, FileOrCreate, Socket, ... */
  hostPathType?: string;
}

export interface PlannedMount {
  volume: string;
  /** Absolute, clean path inside the container. */
  mountPath: string;
  readOnly: boolean;
  /** Relative path inside the volume; resolved at mount time without leaving the volume. */
  subPath?: string;
}

export type PlannedEnv = { name: string; value: string };

export interface PlannedContainer {
  name: string;
  image: {
    /** As written in the manifest. */
    ref: string;
    pullPolicy: PullPolicy;
    /** Filled once the image is resolved (undefined in a dry run with the image absent). */
    imageId?: string;
    layerDirs?: string[];
    config?: ImageConfig;
  };
  /** Final argv: command/args merged with the image's Entrypoint/Cmd as Kubernetes does. */
  argv: string[];
  /** Final environment in order: image Env, then spec env with $(VAR) expanded. */
  env: PlannedEnv[];
  workingDir: string;
  /** From securityContext, else the image's USER (names are looked up in the image's /etc/passwd at apply). */
  user: { uid?: number; gid?: number; name?: string; group?: string; /** pod securityContext.supplementalGroups */ supplementalGroups?: number[] };
  mounts: PlannedMount[];
  ports: { name?: string; containerPort: number; protocol: string; hostPort?: number; hostIP?: string }[];
  stdin: boolean;
  tty: boolean;
  /** Signal name used to stop it (image StopSignal or SIGTERM). */
  stopSignal: string;
  dirs: { upper: string; work: string; rootfs: string; logDir: string; stateFile: string };
}

export interface PodPlan {
  key: string;
  name: string;
  namespace: string;
  uid: string;
  hostname: string;
  /** Lasting pod dir and its init layer (etc/hosts, etc/hostname, etc/resolv.conf). */
  dirs: { lasting: string; live: string; init: string; shm: string };
  namespaces: { net: NamespaceMode; ipc: NamespaceMode; uts: NamespaceMode; pid: 'container' | 'pod' | 'host' };
  shmSizeBytes: number;
  hosts: string;
  resolvConf: string;
  volumes: PlannedVolume[];
  containers: PlannedContainer[];
  restartPolicy: 'Always' | 'OnFailure' | 'Never';
  terminationGracePeriodSeconds: number;
  /** Hash of the normalised manifest: equal hash => `pod/NAME unchanged`. */
  manifestHash: string;
}
