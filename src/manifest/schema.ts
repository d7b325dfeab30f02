// The v1 Pod subset podrun runs, as zod schemas. Types and per-value formats live here; fields
// podrun knows but does not run are classified in fields.ts, and rules across fields in rules.ts.
// Each object schema carries a `.describe(NAME)` that fields.ts uses to find its field policy.
import { posix } from 'path';
import { z } from 'zod';
import * as names from './names';
import { quoted } from './names';
import { formatQuantity, parseQuantity, parseQuantityExact, quantityValue, type Quantity } from './quantity';
import { HUGEPAGES_MEDIUM, hugePageSize, hugePagesMedium, hugePagesName, isHugePages, pageSizeText } from './hugepages';
import { capabilityName } from '../util/capabilities';
import { suggest } from './suggest';
import { LINUX_SIGNALS, stopSignalNumber } from './signals';
import { configKey } from './object-keys';

type Check = (v: string) => names.Problem | undefined;

/** A string with a format check whose problem becomes a zod issue carrying the hint. */
export const str = (...checks: Check[]) =>
  z.string().superRefine((v, ctx) => {
    for (const check of checks) {
      const p = check(v);
      if (p) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: p.detail, params: { hint: p.hint } });
        return;
      }
    }
  });

const int = (min: number, max: number, hint: string) =>
  z.number().int().superRefine((v, ctx) => {
    if (v < min || v > max) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${v} is out of range ${min}..${max}`, params: { hint } });
  });

const uid = int(0, 2 ** 31 - 1, 'user and group ids are 0..2147483647');

/**
 * A non-negative int64, as Kubernetes' `*int64` fields. YAML numbers arrive as doubles, which hold
 * every integer only up to 2^53: the largest int64, 9223372036854775807 as written, rounds to 2^63,
 * so 2^63 itself is the largest value accepted (one over int64, the price of reading it as a double).
 */
const nonNegativeInt64 = (hint: string) =>
  z.number().superRefine((v, ctx) => {
    const message = !Number.isInteger(v) ? `${v} is not a whole number` : v < 0 || v > 2 ** 63 ? `${v} is out of range 0..${2n ** 63n - 1n} (int64)` : undefined;
    if (message) ctx.addIssue({ code: z.ZodIssueCode.custom, message, params: { hint } });
  });

/** A Kubernetes quantity (`100m`, `1Gi`, `1e3`), parsed exactly as the API server does. */
export const quantity = z.union([z.string(), z.number()]).superRefine((v, ctx) => {
  const q = parseQuantity(v);
  if (!q.ok) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `invalid value ${JSON.stringify(String(v))}: ${q.reason}`, params: { hint: 'write a quantity such as `64Mi`, `1Gi` or `500M`' } });
});

/** The resources podrun enforces for a container now (kubelet-resources.md R1.1 names the rest). */
export const CONTAINER_RESOURCES = ['cpu', 'memory'] as const;

/** A `hugepages-<size>` name's problem: a size that is not a quantity, or not written as a node names it. */
function hugePagesNameProblem(name: string): names.Problem | undefined {
  const size = hugePageSize(name);
  if (size === undefined || (size & (size - 1n)) !== 0n)
    return { detail: `${quoted(name)} does not name a page size${size === undefined ? '' : ` (${size} bytes is not a power of two)`}`, hint: 'page sizes are binary quantities: write hugepages-2Mi or hugepages-1Gi' };
  if (hugePagesName(size) !== name) return { detail: `${quoted(name)} is not how a node names its ${pageSizeText(hugePagesName(size))} pages, so no node offers it`, hint: `write ${hugePagesName(size)}` };
  return undefined;
}

/** Why a valid Kubernetes resource name is not taken yet, with what to do; undefined: taken. */
function resourceNameProblem(name: string): names.Problem | undefined {
  if ((CONTAINER_RESOURCES as readonly string[]).includes(name) || name === 'ephemeral-storage') return undefined;
  if (isHugePages(name)) return hugePagesNameProblem(name);
  if (name.includes('/'))
    return { detail: `podrun does not enforce ${quoted(name)} yet (it enforces cpu, memory, ephemeral-storage and hugepages)`, hint: `remove ${name} from requests and limits` };
  const guess = suggest(name, [...CONTAINER_RESOURCES, 'ephemeral-storage']);
  return { detail: `${quoted(name)} must be a standard resource for containers (cpu, memory, ephemeral-storage, hugepages-<size>) or fully qualified`, hint: guess ? `did you mean ${guess}?` : 'write cpu or memory' };
}

/** A ResourceList whose names NAMES checks: values parsed exactly and never negative (R1.4). */
const resourceList = (nameProblem: (name: string) => names.Problem | undefined) =>
  z.record(z.string(), z.union([z.string(), z.number()])).superRefine((list, ctx) => {
    for (const name of Object.keys(list).sort()) {
      const bad = nameProblem(name);
      const p = parseQuantityExact(list[name]);
      const value = JSON.stringify(String(list[name]));
      const message = bad ? bad.detail : !p.ok ? `invalid value ${value}: ${p.reason}` : p.q.nanos < 0n ? `invalid value ${value}: must be greater than or equal to 0` : undefined;
      if (message) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [name], message, params: { hint: bad ? bad.hint : name === 'cpu' ? 'write cores, e.g. `500m` or `1`' : 'write bytes, e.g. `128Mi` or `1Gi`' } });
    }
  });

const parsedOrUndefined = (v: string | number | undefined): Quantity | undefined => {
  if (v === undefined) return undefined;
  const p = parseQuantityExact(v);
  return p.ok ? p.q : undefined;
};

/**
 * Requirements (container or pod): each request of NAMES at most its limit (R1.5, at
 * `resources.requests` without the key, as Kubernetes reports it); huge pages as R1.5-R1.6
 * (not overcommittable: a limit, equal to the request, a whole number of pages, beside cpu or
 * memory); `claims` refused with CLAIMS.
 */
const requirements = (describe: string, list: ReturnType<typeof resourceList>, names: readonly string[], claims: string) =>
  z
    .object({ limits: list.optional(), requests: list.optional(), claims: z.array(z.unknown()).max(0, { message: claims }).optional() })
    .describe(describe)
    .superRefine((r, ctx) => {
      for (const name of names) {
        const req = parsedOrUndefined(r.requests?.[name]);
        const lim = parsedOrUndefined(r.limits?.[name]);
        if (req && lim && req.nanos > lim.nanos)
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: ['requests'],
            message: `invalid value "${formatQuantity(req)}": must be less than or equal to ${name} limit of ${formatQuantity(lim)}`,
            params: { hint: `lower requests.${name} or raise limits.${name}` },
          });
      }
      hugePagesRules(r, ctx);
    });

/** R1.5-R1.6 for the huge page names of a requirements object. */
function hugePagesRules(r: { limits?: Record<string, string | number>; requests?: Record<string, string | number> }, ctx: z.RefinementCtx): void {
  const pages = [...new Set([...Object.keys(r.limits ?? {}), ...Object.keys(r.requests ?? {})])].filter(isHugePages).sort();
  if (!pages.length) return;
  const issue = (path: (string | number)[], message: string, hint: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path, message, params: { hint } });
  for (const name of pages) {
    const size = hugePageSize(name);
    const req = parsedOrUndefined(r.requests?.[name]);
    const lim = parsedOrUndefined(r.limits?.[name]);
    for (const [side, q] of [['limits', lim], ['requests', req]] as const)
      if (size !== undefined && q && q.nanos >= 0n && quantityValue(q) % size !== 0n)
        issue([side, name], `invalid value "${formatQuantity(q)}": ${formatQuantity(q)} is not positive integer multiple of ${name}`, `give a whole number of ${pageSizeText(name)} pages, e.g. ${formatQuantity({ nanos: size * 2_000_000_000n, format: 'BinarySI' })}`);
    if (req && !lim) issue(['limits'], `Required value: Limit must be set for non overcommitable resources (${name})`, `set limits.${name} to ${formatQuantity(req)}, as the request`);
    else if (req && lim && req.nanos !== lim.nanos) issue(['requests'], `invalid value "${formatQuantity(req)}": must be equal to ${name} limit of ${formatQuantity(lim)}`, `huge pages are not overcommitted: give requests.${name} the limit's value, or leave the request out`);
  }
  const cpuOrMemory = ['cpu', 'memory'].some((k) => r.limits?.[k] !== undefined || r.requests?.[k] !== undefined);
  if (!cpuOrMemory) issue([], 'Forbidden: HugePages require cpu or memory', 'add requests or limits of cpu or memory beside the huge pages');
}

/** A container's `resources` (ResourceRequirements); `claims` (DRA) is refused. */
export const ResourceRequirementsSchema = requirements('ResourceRequirements', resourceList(resourceNameProblem), [...CONTAINER_RESOURCES, 'ephemeral-storage'], 'podrun has no dynamic resource allocation (resourceClaims)');

/** Pod-level resource names (R1.2): cpu, memory and hugepages. */
function podResourceNameProblem(name: string): names.Problem | undefined {
  if (name === 'cpu' || name === 'memory') return undefined;
  if (isHugePages(name)) return hugePagesNameProblem(name);
  return { detail: `Unsupported value: ${quoted(name)}: supported values: "cpu", "hugepages-", "memory"`, hint: 'pod-level resources are cpu, memory and hugepages; set other resources on the containers' };
}

/**
 * The pod's own `resources` (Kubernetes 1.32+, beta and on since 1.34): cpu, memory, hugepages;
 * `claims` may not be set (R1.2, R1.8). The rules against the containers' are
 * plan/resources.ts's (R1.9, R1.11).
 */
const PodResourcesSchema = requirements('PodResourceRequirements', resourceList(podResourceNameProblem), CONTAINER_RESOURCES, 'claims may not be set for Resources at pod-level');

/**
 * A container's resize policy (Kubernetes 1.33+, in-place resize): per resource, whether a change
 * on re-apply restarts the container (docs/runtime.md "In-place resize"). Unique names.
 */
const ResizePolicySchema = z
  .object({
    resourceName: z.string().superRefine((v, ctx) => {
      if (v !== 'cpu' && v !== 'memory')
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: v === '' ? 'Required value' : `Unsupported value: ${quoted(v)}: supported values: "cpu", "memory"`, params: { hint: 'a resize policy is for cpu or memory' } });
    }),
    restartPolicy: z.string().superRefine((v, ctx) => {
      if (v !== 'NotRequired' && v !== 'RestartContainer')
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: v === '' ? 'Required value' : `Unsupported value: ${quoted(v)}: supported values: "NotRequired", "RestartContainer"`, params: { hint: 'write NotRequired (the default) or RestartContainer' } });
    }),
  })
  .describe('ContainerResizePolicy');

/** labels and annotations, as every object's metadata (and a claim template's) has them. */
const labelsAndAnnotations = {
  labels: z.record(str(names.qualifiedName), str(names.labelValue)).optional(),
  annotations: z.record(str(names.qualifiedName), z.string()).optional(),
};

/** An object's metadata; WHAT names it in messages (`pod name`, `ConfigMap name`). */
export const metadataSchema = (what: string) =>
  z
    .object({
      name: str((v) => names.dns1123Subdomain(v, `${what} name`)),
      namespace: str((v) => names.dns1123Label(v, 'namespace')).default('default'),
      ...labelsAndAnnotations,
    })
    .describe('ObjectMeta');

export const MetadataSchema = metadataSchema('pod');

const FieldRefSchema = z
  .object({ fieldPath: z.string(), apiVersion: z.string().optional() })
  .describe('ObjectFieldSelector');

/** The downward API's resources (kubelet-resources.md W7.1), besides `requests.hugepages-<size>` and `limits.hugepages-<size>`. */
export const RESOURCE_FIELD_RESOURCES = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'] as const;
const CPU_DIVISORS = ['1m', '1'];
const BYTE_DIVISORS = ['1', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei'];

/** A resourceFieldRef: the resource one of W7.1's, the divisor (by its canonical form) W7.2's. */
const ResourceFieldRefSchema = z
  .object({ containerName: str((v) => names.dns1123Label(v, 'container name')).optional(), resource: z.string(), divisor: z.union([z.string(), z.number()]).optional() })
  .describe('ResourceFieldSelector')
  .superRefine((r, ctx) => {
    const pages = /^(requests|limits)\.(hugepages-.*)$/.exec(r.resource)?.[2];
    const pagesProblem = pages === undefined ? undefined : hugePagesNameProblem(pages);
    if (pagesProblem) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['resource'], message: pagesProblem.detail, params: { hint: pagesProblem.hint } });
    else if (pages === undefined && !(RESOURCE_FIELD_RESOURCES as readonly string[]).includes(r.resource))
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['resource'],
        message: r.resource === '' ? 'Required value' : `Unsupported value: ${quoted(r.resource)}: supported values: ${RESOURCE_FIELD_RESOURCES.map((x) => `"${x}"`).join(', ')}`,
        params: { hint: `e.g. \`resource: limits.memory\`${suggest(r.resource, [...RESOURCE_FIELD_RESOURCES]) ? `; did you mean ${suggest(r.resource, [...RESOURCE_FIELD_RESOURCES])}?` : ''}` },
      });
    if (r.divisor === undefined) return;
    const p = parseQuantityExact(r.divisor);
    if (!p.ok) return ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['divisor'], message: `invalid value ${JSON.stringify(String(r.divisor))}: ${p.reason}`, params: { hint: 'e.g. `divisor: 1Mi`' } });
    if (p.q.nanos === 0n) return; // zero is 1
    const cpu = r.resource.endsWith('.cpu');
    const allowed = cpu ? CPU_DIVISORS : BYTE_DIVISORS;
    if (!allowed.includes(formatQuantity(p.q)))
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['divisor'],
        message: `only divisor's values ${allowed.join(', ')} are supported with the ${cpu ? 'cpu' : r.resource.endsWith('.memory') ? 'memory' : pages !== undefined ? 'hugepages' : 'local ephemeral storage'} resource`,
        params: { hint: cpu ? 'use `divisor: 1m` for millicores or `1` for cores' : 'e.g. `divisor: 1Mi`' },
      });
  });

const keySelector = (what: string, desc: string) =>
  z
    .object({ name: str((v) => names.dns1123Subdomain(v, `${what} name`)), key: str(configKey), optional: z.boolean().optional() })
    .describe(desc);
const EnvVarSourceSchema = z
  .object({
    fieldRef: FieldRefSchema.optional(),
    resourceFieldRef: ResourceFieldRefSchema.optional(),
    configMapKeyRef: keySelector('ConfigMap', 'ConfigMapKeySelector').optional(),
    secretKeyRef: keySelector('Secret', 'SecretKeySelector').optional(),
  })
  .describe('EnvVarSource');

const envSourceRef = (what: string, desc: string) => z.object({ name: str((v) => names.dns1123Subdomain(v, `${what} name`)), optional: z.boolean().optional() }).describe(desc);
const EnvFromSourceSchema = z
  .object({
    prefix: str((v) => (v === '' ? undefined : names.envName(v))).optional(),
    configMapRef: envSourceRef('ConfigMap', 'ConfigMapEnvSource').optional(),
    secretRef: envSourceRef('Secret', 'SecretEnvSource').optional(),
  })
  .describe('EnvFromSource');

const EnvVarSchema = z
  .object({
    name: str(names.envName),
    value: str(names.noNul).optional(),
    valueFrom: EnvVarSourceSchema.optional(),
  })
  .describe('EnvVar');

const VolumeMountSchema = z
  .object({
    name: z.string(),
    mountPath: str(names.cleanAbsolutePath, (v) =>
      v === '/proc' || v.startsWith('/proc/') || v === '/sys' || v.startsWith('/sys/')
        ? { detail: `mountPath ${quoted(v)} is inside /proc or /sys`, hint: 'mount the volume somewhere else, e.g. /data' }
        : v === '/'
          ? { detail: 'mountPath "/" would hide the whole image', hint: 'mount the volume on a directory, e.g. /data' }
          : undefined,
    ),
    readOnly: z.boolean().optional(),
    subPath: str((v) => names.localDescendingPath(v)).optional(),
  })
  .describe('VolumeMount');

const ContainerPortSchema = z
  .object({
    containerPort: int(1, 65535, 'ports are 1..65535'),
    name: str(names.portName).optional(),
    protocol: z.enum(['TCP', 'UDP', 'SCTP']).default('TCP'),
    hostPort: int(1, 65535, 'ports are 1..65535').optional(),
    hostIP: str(names.ipAddress).optional(),
  })
  .describe('ContainerPort');

/** A capability as Kubernetes writes it (`NET_ADMIN`; `CAP_NET_ADMIN` works too), or `ALL`. */
const capability = str((v) =>
  v === 'ALL' || capabilityName(v)
    ? undefined
    : { detail: `unknown capability "${v}"`, hint: 'use a Linux capability name such as NET_ADMIN or SYS_TIME, or ALL (see capabilities(7))' },
);

const CapabilitiesSchema = z
  .object({ add: z.array(capability).optional(), drop: z.array(capability).optional() })
  .describe('Capabilities');

const AppArmorProfileSchema = z
  .object({ type: z.enum(['Unconfined', 'RuntimeDefault', 'Localhost']), localhostProfile: str(names.noNul).optional() })
  .describe('AppArmorProfile');
export const SECCOMP_PROFILE_TYPES = ['RuntimeDefault', 'Unconfined', 'Localhost'] as const;
const PROFILE_DIR: names.PathBase = { base: "podrun's profile directory (<root>/seccomp)", inside: 'the profile directory', example: 'profiles/audit.json' };

const SeccompProfileSchema = z
  .object({
    type: z.enum(SECCOMP_PROFILE_TYPES),
    // A file in podrun's profile dir (docs/security.md); that it is given exactly with Localhost is
    // a rule across the two fields (rules.ts).
    localhostProfile: str((v) =>
      v === ''
        ? { detail: 'localhostProfile must not be empty', hint: 'name a JSON profile in the profile directory (<root>/seccomp), e.g. `profiles/audit.json`' }
        : names.localDescendingPath(v, 'localhostProfile', PROFILE_DIR),
    ).optional(),
  })
  .describe('SeccompProfile');

const SecurityContextSchema = z
  .object({
    runAsUser: uid.optional(),
    runAsGroup: uid.optional(),
    runAsNonRoot: z.boolean().optional(),
    capabilities: CapabilitiesSchema.optional(),
    privileged: z.boolean().optional(),
    readOnlyRootFilesystem: z.boolean().optional(),
    procMount: z.enum(['Default', 'Unmasked']).optional(),
    appArmorProfile: AppArmorProfileSchema.optional(),
    allowPrivilegeEscalation: z.boolean().optional(),
    seccompProfile: SeccompProfileSchema.optional(),
  })
  .describe('SecurityContext');

const stringList = z.array(str(names.noNul));

// ---- Probes and lifecycle hooks (docs/supervision.md); the PROBES_AND_HOOKS switch refuses them until they run ----

/** Built on first use by a manifest that has a probe or hook: constructing schemas is part of every CLI's start-up. */
function buildSupervisionSchemas() {
  const issue = (ctx: z.RefinementCtx, message: string, hint: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, message, params: { hint } });

  /** An int32 seconds or threshold field: 0 is Kubernetes' "unset" (defaulted by the plan), negative is refused. */
  const int32NonNegative = (hint: string) =>
    z.number().superRefine((v, ctx) => {
      if (!Number.isInteger(v)) issue(ctx, `${v} is not a whole number`, hint);
      else if (v < 0) issue(ctx, 'must be greater than or equal to 0', hint);
      else if (v > 2 ** 31 - 1) issue(ctx, `${v} is out of range 0..2147483647 (int32)`, hint);
    });

  /** A whole number that fits Kubernetes' int64 (what is allowed of it is a rule: rules in supervision.ts). */
  const int64 = (hint: string) =>
    z.number().superRefine((v, ctx) => {
      if (!Number.isInteger(v)) issue(ctx, `${v} is not a whole number`, hint);
      else if (v < -(2 ** 63) || v > 2 ** 63) issue(ctx, `${v} is out of range (int64)`, hint);
    });

  const PORT_HINT = "give the port by number or by the name of one of the container's ports, e.g. `port: 8080` or `port: http`";

  /** Kubernetes' IntOrString port: a number 1..65535 or an IANA port name (ValidatePortNumOrName). */
  const portNumberOrName = z
    .any()
    .superRefine((v, ctx) => {
      if (v === undefined) issue(ctx, 'Required', PORT_HINT);
      else if (typeof v === 'number') {
        if (!Number.isInteger(v) || v < 1 || v > 65535) issue(ctx, `${v} is out of range 1..65535`, 'ports are 1..65535');
      } else if (typeof v === 'string') {
        if (/^[0-9]+$/.test(v)) issue(ctx, `port ${quoted(v)} is a string, and a port name needs a letter`, 'write the number without quotes, e.g. `port: 8080`');
        else {
          const p = names.portName(v);
          if (p) issue(ctx, p.detail, p.hint ?? PORT_HINT);
        }
      } else issue(ctx, `expected a port number or name, got ${v === null ? 'null' : Array.isArray(v) ? 'a list' : `a ${typeof v}`}`, PORT_HINT);
    })
    .transform((v) => v as number | string);

  /** What podrun will write into a request or dial: a name or an address, never a second line. */
  const host = str((v) =>
    names.hostOrAddress(v) ? undefined : { detail: `host ${quoted(v)} is not an IP address or a host name`, hint: "write an IP address such as 127.0.0.1 or a host name such as db.local, or leave host out: it defaults to the pod's IP" },
  );

  const ExecActionSchema = z.object({ command: z.array(str(names.noNul)).min(1, 'must not be empty') }).describe('ExecAction');

  const HTTPHeaderSchema = z
    .object({
      name: str(names.httpHeaderName),
      value: str((v) =>
        /[\x00-\x08\x0a-\x1f\x7f]/.test(v) ? { detail: `header value ${quoted(v)} contains a control character`, hint: 'write the value on one line: a newline would end the header (an HTTP client refuses it)' } : undefined,
      ).default(''),
    })
    .describe('HTTPHeader');

  const HTTPGetActionSchema = z
    .object({
      // Kubernetes' default "/" (SetDefaults_HTTPGetAction), also for an empty path.
      path: str((v) =>
        /[\s\x00-\x1f\x7f]/.test(v) ? { detail: `path ${quoted(v)} contains whitespace or a control character`, hint: 'percent-encode it, e.g. `/health%20check`' } : undefined,
      )
        .optional()
        .transform((v) => (v ? v : '/')),
      port: portNumberOrName,
      host: host.optional(),
      scheme: z.enum(['HTTP', 'HTTPS']).default('HTTP'),
      httpHeaders: z.array(HTTPHeaderSchema).optional(),
    })
    .describe('HTTPGetAction');

  const TCPSocketActionSchema = z.object({ port: portNumberOrName, host: host.optional() }).describe('TCPSocketAction');

  const GRPCActionSchema = z
    .object({
      port: int(1, 65535, 'the gRPC port is a number 1..65535 (a name is not allowed here)'),
      service: str((v) => (/[\x00-\x1f\x7f]/.test(v) ? { detail: `service ${quoted(v)} contains a control character`, hint: 'name the service as the server registers it, e.g. `grpc.health.v1.Health`, or leave it out' } : undefined)).default(''),
    })
    .describe('GRPCAction');

  const SleepActionSchema = z.object({ seconds: int64('a sleep is a whole number of seconds, e.g. `seconds: 5`') }).describe('SleepAction');

  const PROBE_SECONDS_HINT = 'a whole number of seconds, e.g. 10 (0 means the default)';
  const THRESHOLD_HINT = 'a whole number of consecutive results, e.g. 3 (0 means the default)';

  const ProbeSchema = z
    .object({
      exec: ExecActionSchema.optional(),
      httpGet: HTTPGetActionSchema.optional(),
      tcpSocket: TCPSocketActionSchema.optional(),
      grpc: GRPCActionSchema.optional(),
      initialDelaySeconds: int32NonNegative('a whole number of seconds, e.g. 5').optional(),
      timeoutSeconds: int32NonNegative(PROBE_SECONDS_HINT).optional(),
      periodSeconds: int32NonNegative(PROBE_SECONDS_HINT).optional(),
      successThreshold: int32NonNegative(THRESHOLD_HINT).optional(),
      failureThreshold: int32NonNegative(THRESHOLD_HINT).optional(),
      terminationGracePeriodSeconds: int64('a grace period is a whole number of seconds above 0, e.g. 10').optional(),
    })
    .describe('Probe');

  const LifecycleHandlerSchema = z
    .object({
      exec: ExecActionSchema.optional(),
      httpGet: HTTPGetActionSchema.optional(),
      tcpSocket: TCPSocketActionSchema.optional(),
      sleep: SleepActionSchema.optional(),
    })
    .describe('LifecycleHandler');

  const LifecycleSchema = z
    .object({
      postStart: LifecycleHandlerSchema.optional(),
      preStop: LifecycleHandlerSchema.optional(),
      stopSignal: str((v) => {
        if (stopSignalNumber(v) !== undefined) return undefined;
        const guess = suggest(v.toUpperCase().startsWith('SIG') ? v.toUpperCase() : `SIG${v.toUpperCase()}`, Object.keys(LINUX_SIGNALS));
        return { detail: `unsupported value ${quoted(v)}`, hint: guess ? `did you mean ${guess}?` : 'use a Linux signal name as Kubernetes writes it, e.g. SIGTERM, SIGQUIT, SIGINT, SIGUSR1 or SIGRTMIN+1' };
      }).optional(),
    })
    .describe('Lifecycle');
  return { ProbeSchema, LifecycleSchema };
}

let supervisionSchemas: ReturnType<typeof buildSupervisionSchemas> | undefined;
const supervisionSchema = () => (supervisionSchemas ??= buildSupervisionSchemas());

const containerFields = {
  name: str((v) => names.dns1123Label(v, 'container name')),
  image: str((v) =>
    v.trim() === ''
      ? { detail: 'image must not be empty', hint: 'every container needs an image, e.g. `image: docker.io/library/busybox:1.36`' }
      : names.hasWhitespace(v)
        ? { detail: `image ${quoted(v)} contains whitespace`, hint: 'an image reference has no spaces, e.g. `docker.io/library/busybox:1.36`' }
        : undefined,
  ),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
  command: stringList.optional(),
  args: stringList.optional(),
  env: z.array(EnvVarSchema).optional(),
  envFrom: z.array(EnvFromSourceSchema).optional(),
  workingDir: str(names.cleanAbsolutePath).optional(),
  volumeMounts: z.array(VolumeMountSchema).optional(),
  ports: z.array(ContainerPortSchema).optional(),
  stdin: z.boolean().optional(),
  stdinOnce: z.boolean().optional(),
  tty: z.boolean().optional(),
  securityContext: SecurityContextSchema.optional(),
  resources: ResourceRequirementsSchema.optional(),
  resizePolicy: z
    .array(ResizePolicySchema)
    .superRefine((list, ctx) =>
      list.forEach((p, i) => {
        if (list.findIndex((q) => q.resourceName === p.resourceName) < i)
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i, 'resourceName'], message: `Duplicate value: ${quoted(p.resourceName)}`, params: { hint: 'give each resource one policy' } });
      }),
    )
    .optional(),
  terminationMessagePath: str(names.cleanAbsolutePath).default('/dev/termination-log'),
  terminationMessagePolicy: z.enum(['File', 'FallbackToLogsOnError']).default('File'),
};

const probe = z.lazy(() => supervisionSchema().ProbeSchema);
const supervisionFields = {
  livenessProbe: probe.optional(),
  readinessProbe: probe.optional(),
  startupProbe: probe.optional(),
  lifecycle: z.lazy(() => supervisionSchema().LifecycleSchema).optional(),
};

const withPullPolicy = <C extends { image: string; imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never' }>(c: C) => ({ ...c, imagePullPolicy: c.imagePullPolicy ?? defaultPullPolicy(c.image) });

const containerSchema = () =>
  z
    .object({ ...containerFields, ...supervisionFields })
    .describe('Container')
    .transform(withPullPolicy);

/**
 * An init container: a container with `restartPolicy: Always` (a native sidecar, the only value
 * Kubernetes allows before 1.35's ContainerRestartRules) or none (a regular init container).
 */
const initContainerSchema = () =>
  z
    .object({
      ...containerFields,
      ...supervisionFields,
      restartPolicy: str((v) =>
        v === 'Always'
          ? undefined
          : v === 'OnFailure' || v === 'Never'
            ? {
                detail: `restartPolicy ${v} on an init container (Kubernetes 1.35+, ContainerRestartRules) is not supported by podrun yet`,
                hint: "leave it out (a regular init container follows the pod's restartPolicy), or write `restartPolicy: Always` for a sidecar",
              }
            : { detail: `unsupported value ${quoted(v)}`, hint: 'use `restartPolicy: Always` (a sidecar), or leave it out' },
      )
        .optional()
        .transform((v) => v as 'Always' | undefined),
    })
    .describe('Container')
    .superRefine((c, ctx) => {
      // only a sidecar is restarted by a resize (kubelet-resources.md Z9.1)
      if (c.restartPolicy !== 'Always')
        (c.resizePolicy ?? []).forEach((p, j) => {
          if (p.restartPolicy === 'RestartContainer')
            ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['resizePolicy', j, 'restartPolicy'], message: "Invalid value: \"RestartContainer\": must not be set to 'RestartContainer' for non-sidecar initContainers", params: { hint: 'write NotRequired: an init container that is not a sidecar is never resized' } });
        });
    })
    .transform(withPullPolicy);

/** Kubernetes' default: Always for `:latest` or no tag, else IfNotPresent (a digest counts as a tag). */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  if (colon < 0) return 'Always';
  return lastSegment.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

const EmptyDirSchema = z
  .object({
    medium: z
      .string()
      .default('')
      .superRefine((m, ctx) => {
        if (m === '' || m === 'Memory' || m === HUGEPAGES_MEDIUM) return;
        const size = m.startsWith(`${HUGEPAGES_MEDIUM}-`) ? hugePageSize(m, `${HUGEPAGES_MEDIUM}-`) : undefined;
        if (size !== undefined && hugePagesMedium(size) === m) return;
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: size !== undefined ? `${quoted(m)} is not how a node names its huge page medium` : `Unsupported value: ${quoted(m)}: supported values: "", "Memory", "HugePages", "HugePages-<size>"`,
          params: { hint: size !== undefined ? `write ${hugePagesMedium(size)}` : 'leave medium out for a directory on disk, or write Memory for a tmpfs' },
        });
      }),
    sizeLimit: quantity.optional(),
  })
  .describe('EmptyDirVolumeSource');

export const HOST_PATH_TYPES = ['', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket', 'CharDevice', 'BlockDevice'] as const;

const HostPathSchema = z
  .object({
    path: str(
      (v) => (v === '' ? { detail: 'hostPath.path must not be empty', hint: 'name a directory or file on this machine, e.g. `./data` or `/srv/www`' } : undefined),
      (v) =>
        v.split('/').includes('..')
          ? { detail: `hostPath.path ${quoted(v)} must not contain ".." (Kubernetes refuses it too)`, hint: 'relative paths start at the annotation `podrun.dev/hostpath-base` (the manifest\'s folder without it): with `podrun.dev/hostpath-base: ..` write `path: .` or `path: src`' }
          : undefined,
      names.noNul,
    ),
    type: z.enum(HOST_PATH_TYPES).default(''),
  })
  .describe('HostPathVolumeSource');

/** A file's mode in a config volume (0 to 0777; yaml.ts reads 0644 as octal, as kubectl does). */
const fileMode = z.number().int().superRefine((v, ctx) => {
  if (v < 0 || v > 0o777)
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${v}${v > 0 ? ` (octal 0${v.toString(8)})` : ''} must be a number between 0 and 0777 (octal), both inclusive`, params: { hint: 'write the mode in octal with a leading 0 (0644, as kubectl reads YAML) or in decimal (420)' } });
});
/** An item's path in a config volume (validateLocalNonReservedPath): relative, no "..", not starting with "..". */
/** An item path as the AtomicWriter cleans it (path.Clean: `./x` and `x/` are `x`). */
export const cleanItemPath = (v: string) => posix.normalize(v).replace(/\/+$/, '');
const itemPath = str(
  (v) => (v === '' ? { detail: 'path must not be empty', hint: 'name the file, e.g. `path: app.conf`' } : undefined),
  (v) => names.localDescendingPath(v, 'path', { base: 'the volume', example: 'conf/app.conf', inside: 'the volume' }),
  (v) => (v.startsWith('..') ? { detail: `path ${quoted(v)} must not start with '..'`, hint: "names starting with '..' are the kubelet's own in a config volume (..data)" } : undefined),
  (v) => (cleanItemPath(v) === '.' || cleanItemPath(v) === '' ? { detail: `path ${quoted(v)} names the volume itself`, hint: 'name a file in it, e.g. `path: app.conf`' } : undefined),
  (v) =>
    v.length > 4096 || v.split('/').some((c) => Buffer.byteLength(c) > 255)
      ? { detail: `path ${quoted(v.slice(0, 40))}... is too long: at most 4096 bytes, each name at most 255`, hint: 'shorten the path' }
      : undefined,
).transform(cleanItemPath);
const configKeyString = str(configKey);
const KeyToPathSchema = z.object({ key: configKeyString, path: itemPath, mode: fileMode.optional() }).describe('KeyToPath');
const objectName = (what: string) => str((v) => names.dns1123Subdomain(v, `${what} name`));
const ConfigMapVolumeSchema = z
  .object({ name: objectName('ConfigMap'), items: z.array(KeyToPathSchema).optional(), defaultMode: fileMode.optional(), optional: z.boolean().optional() })
  .describe('ConfigMapVolumeSource');
const SecretVolumeSchema = z
  .object({ secretName: objectName('Secret'), items: z.array(KeyToPathSchema).optional(), defaultMode: fileMode.optional(), optional: z.boolean().optional() })
  .describe('SecretVolumeSource');
const DownwardAPIFileSchema = z
  .object({ path: itemPath, fieldRef: FieldRefSchema.optional(), resourceFieldRef: ResourceFieldRefSchema.optional(), mode: fileMode.optional() })
  .describe('DownwardAPIVolumeFile');
const DownwardAPIVolumeSchema = z.object({ items: z.array(DownwardAPIFileSchema).optional(), defaultMode: fileMode.optional() }).describe('DownwardAPIVolumeSource');
const ProjectionSchema = z
  .object({
    configMap: z.object({ name: objectName('ConfigMap'), items: z.array(KeyToPathSchema).optional(), optional: z.boolean().optional() }).describe('ConfigMapProjection').optional(),
    secret: z.object({ name: objectName('Secret'), items: z.array(KeyToPathSchema).optional(), optional: z.boolean().optional() }).describe('SecretProjection').optional(),
    downwardAPI: z.object({ items: z.array(DownwardAPIFileSchema).optional() }).describe('DownwardAPIProjection').optional(),
    serviceAccountToken: z.object({ path: itemPath, audience: z.string().optional(), expirationSeconds: z.number().int().optional() }).describe('ServiceAccountTokenProjection').optional(),
  })
  .describe('VolumeProjection');
const ProjectedVolumeSchema = z.object({ sources: z.array(ProjectionSchema).optional(), defaultMode: fileMode.optional() }).describe('ProjectedVolumeSource');
export const PVC_ACCESS_MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'] as const;
/** A PersistentVolumeClaim's spec: the object's, and an ephemeral volume's template's. */
export const pvcSpecSchema = () =>
  z
    .object({
      accessModes: z.array(z.enum(PVC_ACCESS_MODES)).min(1, 'at least 1 access mode is required'),
      resources: z
        .object({
          requests: z.object({ storage: quantity }).describe('PVCResourceList'),
          limits: z.object({ storage: quantity.optional() }).describe('PVCResourceList').optional(),
        })
        .describe('VolumeResourceRequirements'),
      storageClassName: z.string().optional(),
      volumeMode: z.enum(['Filesystem', 'Block']).default('Filesystem'),
    })
    .describe('PersistentVolumeClaimSpec');
const EphemeralVolumeSchema = z
  .object({
    volumeClaimTemplate: z
      .object({
        metadata: z.object(labelsAndAnnotations).describe('ObjectMeta').optional(),
        spec: pvcSpecSchema(),
      })
      .describe('PersistentVolumeClaimTemplate'),
  })
  .describe('EphemeralVolumeSource');
/** An image volume (Kubernetes 1.31+, KEP-4639): an OCI image's layers, read-only; pullPolicy defaults as a container's. */
const ImageVolumeSchema = z
  .object({
    reference: str((v) =>
      v.trim() === '' ? { detail: 'reference must not be empty', hint: 'name the image, e.g. `reference: quay.io/crio/artifact:v1`' } : names.hasWhitespace(v) ? { detail: `reference ${quoted(v)} contains whitespace`, hint: 'an image reference has no spaces' } : undefined,
    ),
    pullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
  })
  .describe('ImageVolumeSource')
  .transform((v) => ({ ...v, pullPolicy: v.pullPolicy ?? defaultPullPolicy(v.reference) }));
const PvcVolumeSchema = z.object({ claimName: objectName('PersistentVolumeClaim'), readOnly: z.boolean().optional() }).describe('PersistentVolumeClaimVolumeSource');

export const VolumeSchema = z
  .object({
    name: str((v) => names.dns1123Label(v, 'volume name')),
    emptyDir: EmptyDirSchema.nullish().transform((v) => (v === null ? { medium: '' as const } : v)),
    hostPath: HostPathSchema.optional(),
    configMap: ConfigMapVolumeSchema.optional(),
    secret: SecretVolumeSchema.optional(),
    downwardAPI: DownwardAPIVolumeSchema.optional(),
    projected: ProjectedVolumeSchema.optional(),
    persistentVolumeClaim: PvcVolumeSchema.optional(),
    ephemeral: EphemeralVolumeSchema.optional(),
    image: ImageVolumeSchema.optional(),
  })
  .describe('Volume');

const HostAliasSchema = z
  .object({
    ip: str(names.ipAddress),
    hostnames: z.array(str((v) => names.dns1123Subdomain(v, 'hostname'))).optional(),
  })
  .describe('HostAlias');

const SysctlSchema = z.object({ name: str(names.sysctlName), value: str(names.sysctlValue) }).describe('Sysctl');

const PodSecurityContextSchema = z
  .object({
    runAsUser: uid.optional(),
    runAsGroup: uid.optional(),
    runAsNonRoot: z.boolean().optional(),
    supplementalGroups: z.array(uid).optional(),
    supplementalGroupsPolicy: z.enum(['Merge', 'Strict']).optional(),
    fsGroup: uid.optional(),
    fsGroupChangePolicy: z.enum(['OnRootMismatch', 'Always']).optional(),
    sysctls: z.array(SysctlSchema).optional(),
    appArmorProfile: AppArmorProfileSchema.optional(),
    seccompProfile: SeccompProfileSchema.optional(),
  })
  .describe('PodSecurityContext');

const DnsConfigSchema = z
  .object({
    nameservers: z.array(str(names.ipAddress)).optional(),
    searches: z.array(str((v) => names.dns1123Subdomain(v.replace(/\.$/, ''), 'search domain'))).optional(),
    options: z
      .array(
        z
          .object({ name: str((v) => names.resolvWord(v, 'DNS option name')), value: str((v) => (v === '' ? undefined : names.resolvWord(v, 'DNS option value'))).optional() })
          .describe('PodDNSConfigOption'),
      )
      .optional(),
  })
  .describe('PodDNSConfig');

const podSpecFields = {
  volumes: z.array(VolumeSchema).optional(),
  hostname: str((v) => names.dns1123Label(v, 'hostname')).optional(),
  subdomain: str((v) => names.dns1123Label(v, 'subdomain')).optional(),
  hostAliases: z.array(HostAliasSchema).optional(),
  hostNetwork: z.boolean().optional(),
  hostIPC: z.boolean().optional(),
  hostPID: z.boolean().optional(),
  shareProcessNamespace: z.boolean().optional(),
  /** false: a user namespace of the pod's own (docs/security.md "User namespaces"). */
  hostUsers: z.boolean().optional(),
  resources: PodResourcesSchema.optional(),
  restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).default('Always'),
  terminationGracePeriodSeconds: nonNegativeInt64('a grace period is a whole number of seconds, e.g. `terminationGracePeriodSeconds: 30` (0 kills at once)').default(30),
  securityContext: PodSecurityContextSchema.optional(),
  dnsPolicy: z.enum(['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None']).default('ClusterFirst'),
  dnsConfig: DnsConfigSchema.optional(),
  imagePullSecrets: z.array(z.object({ name: str((v) => names.dns1123Subdomain(v, 'Secret name')) }).describe('LocalObjectReference')).optional(),
};

const NEEDS_A_CONTAINER = 'a pod needs at least one container';

const podSpecSchema = () =>
  z
    .object({
      containers: z.array(containerSchema()).min(1, NEEDS_A_CONTAINER),
      initContainers: z.array(initContainerSchema()).optional(),
      ...podSpecFields,
    })
    .describe('PodSpec');

const pod = <S extends z.ZodTypeAny>(spec: S) =>
  z
    .object({
      apiVersion: z.literal('v1'),
      kind: z.literal('Pod'),
      metadata: MetadataSchema,
      spec,
    })
    .describe('Pod');

const buildPodSchema = () => pod(podSpecSchema());
let built: ReturnType<typeof buildPodSchema> | undefined;

/** The schema validation runs, built on first use (construction is part of every CLI's start-up). */
export function podSchema(): ReturnType<typeof buildPodSchema> {
  return (built ??= buildPodSchema());
}

/** A validated v1 Pod with Kubernetes defaults applied. */
export type PodManifest = z.output<ReturnType<typeof buildPodSchema>>;
export type ContainerManifest = PodManifest['spec']['containers'][number];
export type InitContainerManifest = NonNullable<PodManifest['spec']['initContainers']>[number];
export type ProbeManifest = NonNullable<ContainerManifest['livenessProbe']>;
export type LifecycleHandlerManifest = NonNullable<NonNullable<ContainerManifest['lifecycle']>['postStart']>;

/** Every image the pod uses, with its pull policy: the containers' and the image volumes'. */
export function podImages(spec: PodManifest['spec']): { ref: string; policy: 'Always' | 'IfNotPresent' | 'Never' }[] {
  return [
    ...allContainers(spec).map((c) => ({ ref: c.image, policy: c.imagePullPolicy })),
    ...(spec.volumes ?? []).flatMap((v) => (v.image ? [{ ref: v.image.reference, policy: v.image.pullPolicy }] : [])),
  ];
}

/** Every container of the pod in the kubelet's order: init containers (regular and sidecars), then the app containers. */
export function allContainers(spec: Pick<PodManifest['spec'], 'containers' | 'initContainers'>): (ContainerManifest | InitContainerManifest)[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}
export type VolumeManifest = NonNullable<PodManifest['spec']['volumes']>[number];
