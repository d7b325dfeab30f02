// podrun port-forward TYPE/NAME [LOCAL_PORT:]REMOTE_PORT... [--address ADDR[,ADDR]] [-n NS]
// kubectl's semantics: listens on localhost (127.0.0.1 and ::1) unless --address says otherwise,
// `:REMOTE` picks a free local port and says which, every accepted connection is dialled to
// localhost:REMOTE inside the pod's network namespace and copied both ways, many at once; Ctrl-C
// ends it. Ends with an error when the pod stops.
import type { Server, Socket } from 'net';
import { parseArgs, type VerbSpec } from '../args';
import { requireRoot } from '../root';
import type { CliContext } from '../context';
import { namespaceFrom, namespaceOptions, parsePodAddress } from '../resources';
import { UsageError, PodrunError } from '../../util/errors';
import { writeErr } from '../output';

export const spec: VerbSpec = {
  name: 'port-forward',
  usage: 'podrun port-forward pod/NAME [LOCAL_PORT:]REMOTE_PORT [...] [--address ADDR[,ADDR...]] [-n NAMESPACE]',
  description: "Forward local ports to a pod's ports until Ctrl-C, as kubectl port-forward does (a named port is looked up in the pod's containers).",
  examples: [
    ['local 8080 to the pod\'s 80', 'podrun port-forward pod/web 8080:80'],
    ['a free local port to the port named http', 'podrun port-forward web :http'],
  ],
  options: { ...namespaceOptions, address: { type: 'string', arg: 'ADDR[,ADDR...]', help: 'the local addresses to listen on (default localhost)' } },
  operands: ['pods'],
};
const USAGE = spec.usage;

export interface PortSpec {
  local: number; // 0: pick a free one
  remote: string;
}

/** `8080`, `8080:80`, `:80`, `8080:http` (kubectl's forms). */
export function parsePortSpec(s: string): PortSpec {
  const m = /^(\d*):?([A-Za-z0-9-]+)$/.exec(s);
  const colon = s.includes(':');
  const local = colon ? s.slice(0, s.indexOf(':')) : s;
  const remote = colon ? s.slice(s.indexOf(':') + 1) : s;
  const lp = local === '' ? 0 : Number(local);
  if (!m || !/^\d*$/.test(local) || !Number.isInteger(lp) || lp < 0 || lp > 65535 || remote === '' || (!colon && !/^\d+$/.test(s)))
    throw new UsageError(`'${s}' is not a port specification`, 'write REMOTE, LOCAL:REMOTE or :REMOTE, e.g. 8080:80 (REMOTE may be a container port name)');
  return { local: lp, remote };
}

/** --address: a comma list of IPs or `localhost` (127.0.0.1 and ::1). */
function listenAddresses(v: string | undefined): { host: string; optional: boolean }[] {
  const words = (v ?? 'localhost').split(',').map((w) => w.trim()).filter(Boolean);
  const net = require('net') as typeof import('net');
  const out: { host: string; optional: boolean }[] = [];
  for (const w of words) {
    if (w === 'localhost') out.push({ host: '127.0.0.1', optional: true }, { host: '::1', optional: true });
    else if (net.isIP(w)) out.push({ host: w, optional: false });
    else throw new UsageError(`--address: '${w}' is not an IP address or localhost`, 'e.g. --address localhost,10.0.0.1 or --address 0.0.0.0');
  }
  return out;
}

const shown = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  requireRoot('port-forward', "it enters the pod's network namespace");
  if (positionals.length < 2) throw new UsageError(positionals.length ? 'at least one port is required' : 'a pod is required', `usage: ${USAGE}`);
  const target = positionals[0];
  const specs = positionals.slice(1).map(parsePortSpec);
  const addresses = listenAddresses(values.address as string | undefined);
  const { findPod } = await import('../../state/pod-records');
  const { openPodNetns, resolveRemotePort, dialPod, servicePod } = await import('../../runtime/port-forward');
  const { monitorRunning } = await import('../../runtime/helper');
  const svc = /^(svc|service|services)\/(.+)$/.exec(target);
  let rec: import('../../state/pod-records').PodRecord;
  let remotes: number[];
  if (svc) {
    // kubectl's: one pod of the Service (the first ready one), each port given as the Service's, sent to its targetPort.
    const picked = servicePod(ctx.paths, namespaceFrom(values), svc[2], specs.map((s) => s.remote));
    rec = picked.record;
    remotes = picked.ports;
  } else {
    const addr = parsePodAddress((await import('../pod-target')).podTarget(ctx.paths, target, namespaceFrom(values)) ?? target, namespaceFrom(values));
    rec = findPod(ctx.paths, addr.namespace, addr.name);
    remotes = specs.map((s) => resolveRemotePort(rec.plan, s.remote));
  }
  const nsFd = openPodNetns(ctx.paths, rec);
  const net = require('net') as typeof import('net');
  const servers: Server[] = [];
  const sockets = new Set<Socket>();

  const listen = (host: string, port: number) =>
    new Promise<Server>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen({ host, port, ipv6Only: host.includes(':'), exclusive: true }, () => resolve(srv));
    });

  for (let i = 0; i < specs.length; i++) {
    let port = specs[i].local;
    const remote = remotes[i];
    const failures: string[] = [];
    let any = false;
    for (const a of addresses) {
      let srv: Server;
      try {
        srv = await listen(a.host, port);
      } catch (e) {
        failures.push(`${shown(a.host, port)}: ${(e as Error).message}`);
        if (!a.optional) break;
        continue;
      }
      any = true;
      if (port === 0) port = (srv.address() as { port: number }).port; // the same free port for every address
      servers.push(srv);
      ctx.out(`Forwarding from ${shown(a.host, port)} -> ${remote}\n`);
      const localPort = port;
      srv.on('connection', (client) => {
        ctx.out(`Handling connection for ${localPort}\n`);
        sockets.add(client);
        client.on('close', () => sockets.delete(client));
        client.pause();
        dialPod(nsFd, remote).then(
          (fd) => {
            const upstream = new net.Socket({ fd, readable: true, writable: true });
            sockets.add(upstream);
            upstream.on('close', () => sockets.delete(upstream));
            const end = () => {
              client.destroy();
              upstream.destroy();
            };
            client.on('error', end);
            upstream.on('error', end);
            client.pipe(upstream);
            upstream.pipe(client);
            client.resume();
          },
          (e: Error) => {
            writeErr(`error: an error occurred forwarding ${localPort} -> ${remote}: connect to localhost:${remote} in pod/${rec.plan.name}: ${e.message.replace(/^connect: /, '').toLowerCase()}\n`);
            client.destroy();
          },
        );
      });
    }
    if (!any || (failures.length && addresses.some((a) => !a.optional))) {
      for (const s of servers) s.close();
      throw new PodrunError(`unable to listen on port ${specs[i].local || '(any)'}: ${failures.join('; ')}`, 'choose another local port (LOCAL:REMOTE, or :REMOTE for a free one), or --address');
    }
  }

  // Until Ctrl-C (or SIGTERM), or until the pod stops.
  return await new Promise<number>((resolve) => {
    const stop = (code: number) => {
      clearInterval(watch);
      for (const s of servers) s.close();
      for (const s of sockets) s.destroy();
      resolve(code);
    };
    process.once('SIGINT', () => stop(0));
    process.once('SIGTERM', () => stop(0));
    const watch = setInterval(() => {
      if (!monitorRunning(rec.plan.dirs.lasting)) {
        writeErr(`error: lost connection to pod/${rec.plan.name}: it is not running any more\n`);
        stop(1);
      }
    }, 1000);
  });
}
