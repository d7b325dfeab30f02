// The contract between the image store and everything else (runtime, commit, CLI).
// The runtime asks only `resolveImage` (resolve.ts) for an image's unpacked layer dirs and its config.

/** The `config` object of an OCI image config (subset podrun uses; other keys are kept). */
export interface ImageConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  ExposedPorts?: Record<string, object>;
  Volumes?: Record<string, object>;
  StopSignal?: string;
  Labels?: Record<string, string>;
  [k: string]: unknown;
}

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

export interface ResolvedImage {
  /** Normalised reference, e.g. docker.io/library/busybox:latest or ...@sha256:... */
  ref: string;
  /** sha256:<hex> digest of the image config blob (what `podrun images` shows, shortened). */
  imageId: string;
  /** sha256:<hex> digest of the manifest the image was resolved through. */
  manifestDigest: string;
  config: ImageConfig;
  /** Unpacked read-only layer directories, lowest first (overlay lowerdir lists them reversed). */
  layerDirs: string[];
}

export interface ResolveOptions {
  policy: PullPolicy;
  /** Pull progress goes here; undefined means quiet. */
  progress?: (line: string) => void;
  insecure?: boolean;
  /** Credentials for a registry from the pod's imagePullSecrets; undefined: the `podrun login` ones. */
  credentialsFor?: (registry: string) => import('./auth').Credentials | undefined;
}
