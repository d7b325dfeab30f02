// kind: Service beside the pods (docs/networking.md, "Services"): the fields podrun runs, checked
// with the API server's rules (pkg/apis/core/validation ValidateService), and the defaults it
// writes (type ClusterIP, protocol TCP, targetPort = port, sessionAffinity None). What podrun
// cannot do (ExternalName, externalIPs, ClientIP affinity, dual stack) is an error at its field.
import { z } from 'zod';
import * as names from './names';
import { quoted } from './names';
import { metadataSchema, str } from './schema';
import type { FieldPath } from './yaml';

export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer'] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

/** The API server's default NodePort range (--service-node-port-range). */
export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;

const issue = (ctx: z.RefinementCtx, message: string, hint: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, message, params: { hint } });

const port = z.number().superRefine((v, ctx) => {
  if (!Number.isInteger(v) || v < 1 || v > 65535) issue(ctx, `${v} is out of range 1..65535`, 'ports are 1..65535');
});

/** targetPort: a number 1..65535 or a container port's name (IntOrString). */
const targetPort = z.any().superRefine((v, ctx) => {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 1 || v > 65535) issue(ctx, `${v} is out of range 1..65535`, 'ports are 1..65535');
  } else if (typeof v === 'string') {
    if (/^[0-9]+$/.test(v)) issue(ctx, `targetPort ${quoted(v)} is a string, and a port name needs a letter`, 'write the number without quotes, e.g. `targetPort: 8080`');
    else {
      const p = names.portName(v);
      if (p) issue(ctx, p.detail, p.hint ?? '');
    }
  } else issue(ctx, `expected a port number or name, got ${v === null ? 'null' : `a ${typeof v}`}`, 'e.g. `targetPort: 8080` or `targetPort: http`');
});

const ServicePortSchema = z
  .object({
    name: str(names.portName).optional(),
    protocol: z.enum(['TCP', 'UDP', 'SCTP']).default('TCP'),
    port,
    targetPort: targetPort.optional(),
    nodePort: z.number().optional(),
    appProtocol: z.string().optional(),
  })
  .describe('ServicePort');

export const serviceSchema = () =>
  z
    .object({
      apiVersion: z.literal('v1'),
      kind: z.literal('Service'),
      metadata: metadataSchema('Service'),
      spec: z
        .object({
          type: z.enum([...SERVICE_TYPES, 'ExternalName']).default('ClusterIP'),
          selector: z.record(str(names.qualifiedName), str(names.labelValue)).optional(),
          ports: z.array(ServicePortSchema).optional(),
          clusterIP: z.string().optional(),
          clusterIPs: z.array(z.string()).optional(),
          ipFamilies: z.array(z.enum(['IPv4', 'IPv6'])).optional(),
          ipFamilyPolicy: z.enum(['SingleStack', 'PreferDualStack', 'RequireDualStack']).optional(),
          sessionAffinity: z.enum(['None', 'ClientIP']).default('None'),
          publishNotReadyAddresses: z.boolean().optional(),
          externalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
          internalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
          allocateLoadBalancerNodePorts: z.boolean().optional(),
          externalName: z.string().optional(),
          externalIPs: z.array(z.string()).optional(),
          loadBalancerIP: z.string().optional(),
          loadBalancerSourceRanges: z.array(z.string()).optional(),
          loadBalancerClass: z.string().optional(),
          healthCheckNodePort: z.number().optional(),
          trafficDistribution: z.string().optional(),
        })
        .describe('ServiceSpec')
        .default({}),
    })
    .describe('Service');

export interface ServicePort {
  name?: string;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  port: number;
  /** Defaulted to `port` on write, as the API server does. */
  targetPort: number | string;
  nodePort?: number;
  appProtocol?: string;
}

export interface ServiceObject {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: { name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    type: ServiceType;
    selector?: Record<string, string>;
    ports: ServicePort[];
    /** Allocated from the service range when the object is first stored; `None`: headless. */
    clusterIP?: string;
    clusterIPs?: string[];
    ipFamilies?: ['IPv4'];
    ipFamilyPolicy?: 'SingleStack';
    sessionAffinity: 'None';
    publishNotReadyAddresses?: boolean;
    externalTrafficPolicy?: 'Cluster' | 'Local';
    internalTrafficPolicy?: 'Cluster' | 'Local';
    allocateLoadBalancerNodePorts?: boolean;
  };
}

type Err = (path: FieldPath, detail: string, hint?: string) => void;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** ValidateService's rules across fields, and what podrun does not run, each at its field. */
export function serviceRules(value: Record<string, unknown>, err: Err): void {
  const meta = isObj(value.metadata) ? value.metadata : {};
  if (typeof meta.name === 'string') {
    const p = names.dns1035Label(meta.name, 'Service name');
    if (p) err(['metadata', 'name'], p.detail, p.hint);
  }
  const spec = isObj(value.spec) ? value.spec : {};
  const type = typeof spec.type === 'string' ? spec.type : 'ClusterIP';
  const at = (...p: (string | number)[]) => ['spec', ...p];
  if (type === 'ExternalName') {
    err(at('type'), 'ExternalName Services are not supported by podrun (there is no cluster DNS to give the CNAME)', 'use hostAliases in the pods that need the name, or a ClusterIP Service with a selector');
    return;
  }
  for (const f of ['externalIPs', 'loadBalancerIP', 'loadBalancerSourceRanges', 'loadBalancerClass', 'externalName', 'healthCheckNodePort'])
    if (spec[f] !== undefined) err(at(f), `${f} is not supported by podrun`, `remove ${f}; NodePort and LoadBalancer Services are published on the host (docs/networking.md)`);
  if (spec.sessionAffinity === 'ClientIP') err(at('sessionAffinity'), 'ClientIP session affinity is not supported by podrun', 'remove sessionAffinity (None)');
  if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== 'SingleStack') err(at('ipFamilyPolicy'), 'podrun gives Services IPv4 addresses only (SingleStack)', 'remove ipFamilyPolicy, or write SingleStack');
  if (Array.isArray(spec.ipFamilies) && spec.ipFamilies.some((f) => f !== 'IPv4')) err(at('ipFamilies'), 'podrun gives Services IPv4 addresses only', 'remove ipFamilies, or write [IPv4]');
  const headless = spec.clusterIP === 'None';
  if (typeof spec.clusterIP === 'string' && spec.clusterIP !== '' && !headless && names.ipAddress(spec.clusterIP))
    err(at('clusterIP'), `${quoted(spec.clusterIP)} must be a valid IP address or "None"`, 'leave clusterIP out: podrun allocates one from its service range');
  if (headless && type !== 'ClusterIP') err(at('clusterIP'), `may not be "None" for ${type} services`, 'a headless Service is of type ClusterIP');
  if (Array.isArray(spec.clusterIPs) && spec.clusterIPs.length > 1) err(at('clusterIPs'), 'podrun gives a Service one IPv4 address', 'list at most one, the same as clusterIP');
  else if (Array.isArray(spec.clusterIPs) && spec.clusterIPs.length === 1 && typeof spec.clusterIP === 'string' && spec.clusterIP !== '' && spec.clusterIPs[0] !== spec.clusterIP)
    err(at('clusterIPs', 0), 'must match clusterIP when both are given', 'leave clusterIPs out');
  const ports = Array.isArray(spec.ports) ? spec.ports.filter(isObj) : [];
  if (!ports.length && !headless) err(at('ports'), 'Required value', 'a Service with a cluster IP needs at least one port, e.g. `ports: [{port: 80, targetPort: 8080}]`');
  const seenName = new Set<string>();
  const seenPort = new Set<string>();
  const seenNode = new Set<number>();
  ports.forEach((p, i) => {
    const name = typeof p.name === 'string' ? p.name : undefined;
    if (ports.length > 1 && !name) err(at('ports', i, 'name'), 'Required value', 'when a Service has several ports, each needs a name, e.g. `name: http`');
    if (name !== undefined) {
      if (seenName.has(name)) err(at('ports', i, 'name'), `Duplicate value: ${quoted(name)}`, 'give every port of the Service its own name');
      seenName.add(name);
    }
    const key = `${typeof p.protocol === 'string' ? p.protocol : 'TCP'}/${String(p.port)}`;
    if (seenPort.has(key)) err(at('ports', i), `Duplicate value: port ${String(p.port)}/${key.split('/')[0]}`, 'each port and protocol once per Service');
    seenPort.add(key);
    if (p.nodePort !== undefined) {
      if (type === 'ClusterIP') err(at('ports', i, 'nodePort'), 'may not be used when `type` is \'ClusterIP\'', 'remove nodePort, or make the Service type NodePort');
      else if (typeof p.nodePort !== 'number' || !Number.isInteger(p.nodePort) || p.nodePort < NODE_PORT_MIN || p.nodePort > NODE_PORT_MAX)
        err(at('ports', i, 'nodePort'), `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_MIN}-${NODE_PORT_MAX}`, 'leave nodePort out: podrun allocates one');
      else if (seenNode.has(p.nodePort)) err(at('ports', i, 'nodePort'), `Duplicate value: ${p.nodePort}`, 'each nodePort once');
      else seenNode.add(p.nodePort);
    }
  });
}

/** The Service as stored: the API server's defaults written in. */
export function normalizeService(parsed: Record<string, unknown>): ServiceObject {
  const o = parsed as unknown as ServiceObject & { spec: { ports?: ServicePort[] } };
  const ports = (o.spec.ports ?? []).map((p) => ({ ...p, targetPort: p.targetPort ?? p.port }));
  const spec: ServiceObject['spec'] = { ...o.spec, ports };
  if (!spec.clusterIP) delete spec.clusterIP;
  return { ...o, spec };
}
