// Dockerfile-style `--change` instructions for import and commit (docker import -c / commit -c):
// CMD, ENTRYPOINT, ENV, WORKDIR, USER, EXPOSE, LABEL, STOPSIGNAL, VOLUME.
import { UsageError } from '../util/errors';
import type { ImageConfig } from './types';

const HINT = `e.g. -c 'CMD ["/bin/sh"]', -c 'ENV PATH=/bin', -c 'WORKDIR /app', -c 'EXPOSE 80/tcp'`;

function jsonOrShell(instr: string, rest: string): string[] {
  if (rest.startsWith('[')) {
    let v: unknown;
    try {
      v = JSON.parse(rest);
    } catch {
      throw new UsageError(`--change '${instr} ${rest}': not a valid JSON array`, HINT);
    }
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
      throw new UsageError(`--change '${instr} ${rest}': the JSON form must be an array of strings`, HINT);
    return v;
  }
  return ['/bin/sh', '-c', rest];
}

/** Applies the instructions in order to an (initially empty) partial config. */
export function parseChanges(changes: string[], base: Partial<ImageConfig> = {}): Partial<ImageConfig> {
  const cfg: Partial<ImageConfig> = { ...base };
  for (const raw of changes) {
    const m = /^\s*([A-Za-z]+)\s+([\s\S]*?)\s*$/.exec(raw);
    if (!m || !m[2]) throw new UsageError(`--change '${raw}': expected INSTRUCTION ARGUMENTS`, HINT);
    const instr = m[1].toUpperCase();
    const rest = m[2];
    switch (instr) {
      case 'CMD':
        cfg.Cmd = jsonOrShell(instr, rest);
        break;
      case 'ENTRYPOINT':
        cfg.Entrypoint = jsonOrShell(instr, rest);
        break;
      case 'ENV': {
        const env = [...(cfg.Env ?? [])];
        const pairs = rest.includes('=') ? rest.split(/\s+/).map((p) => p.split(/=(.*)/s, 2)) : [rest.split(/\s+(.*)/s, 2)];
        for (const [k, v] of pairs) {
          if (!k || v === undefined) throw new UsageError(`--change '${raw}': expected ENV NAME=VALUE`, HINT);
          const i = env.findIndex((e) => e.startsWith(`${k}=`));
          if (i >= 0) env[i] = `${k}=${v}`;
          else env.push(`${k}=${v}`);
        }
        cfg.Env = env;
        break;
      }
      case 'WORKDIR':
        if (!rest.startsWith('/')) throw new UsageError(`--change '${raw}': WORKDIR must be an absolute path`, HINT);
        cfg.WorkingDir = rest;
        break;
      case 'USER':
        cfg.User = rest;
        break;
      case 'STOPSIGNAL':
        cfg.StopSignal = rest;
        break;
      case 'EXPOSE': {
        const ports = { ...(cfg.ExposedPorts ?? {}) };
        for (const p of rest.split(/\s+/)) {
          if (!/^\d{1,5}(\/(tcp|udp|sctp))?$/.test(p)) throw new UsageError(`--change '${raw}': '${p}' is not PORT[/tcp|udp|sctp]`, HINT);
          ports[p.includes('/') ? p : `${p}/tcp`] = {};
        }
        cfg.ExposedPorts = ports;
        break;
      }
      case 'LABEL': {
        const labels = { ...(cfg.Labels ?? {}) };
        for (const p of rest.split(/\s+/)) {
          const [k, v] = p.split(/=(.*)/s, 2);
          if (!k || v === undefined) throw new UsageError(`--change '${raw}': expected LABEL KEY=VALUE`, HINT);
          labels[k] = v.replace(/^"(.*)"$/, '$1');
        }
        cfg.Labels = labels;
        break;
      }
      case 'VOLUME': {
        const vols = { ...(cfg.Volumes ?? {}) };
        const list = rest.startsWith('[') ? jsonOrShell(instr, rest) : rest.split(/\s+/);
        for (const v of list) {
          if (!v.startsWith('/')) throw new UsageError(`--change '${raw}': VOLUME paths must be absolute`, HINT);
          vols[v] = {};
        }
        cfg.Volumes = vols;
        break;
      }
      default:
        throw new UsageError(`--change '${raw}': unsupported instruction ${instr}`, `supported: CMD ENTRYPOINT ENV WORKDIR USER EXPOSE LABEL STOPSIGNAL VOLUME; ${HINT}`);
    }
  }
  return cfg;
}
