// Which AppArmor profile a container runs under, decided from the manifest and the host (pure).
// The manifest side (field, deprecated annotation, precedence) is manifest/apparmor.ts; this adds
// what the kubelet and the runtimes add (docs/security.md, "AppArmor"):
//   - RuntimeDefault and Localhost need AppArmor: on a host without it they are an error naming
//     the field, as the kubelet refuses such a pod;
//   - Localhost names a profile that must already be loaded (the kubelet's admission check reads
//     the same /sys/kernel/security/apparmor/profiles);
//   - RuntimeDefault is podrun's profile, loaded by apply with apparmor_parser when it is not;
//   - nothing named: RuntimeDefault where AppArmor can be used (enabled, and podrun's profile
//     loaded or apparmor_parser there to load it), else Unconfined: containerd's and podman's
//     default ("Equivalent to not specifying a profile, except it still requires AppArmor to be
//     enabled", the Kubernetes API reference says of runtime/default);
//   - a privileged container runs unconfined unless it names a Localhost profile, as containerd
//     runs it (GenerateApparmorSpecOpts).
import { effectiveAppArmor } from '../manifest/apparmor';
import type { PodManifest } from '../manifest/schema';
import { APPARMOR_DEFAULT_PROFILE } from './apparmor-default';
import type { HostAppArmor, PlannedAppArmor } from './types';

export { APPARMOR_DEFAULT_PROFILE } from './apparmor-default';

export interface AppArmorProblem {
  path: (string | number)[];
  detail: string;
  hint: string;
}

const loaded = (host: HostAppArmor, name: string) => host.enabled && Object.prototype.hasOwnProperty.call(host.loaded, name);

/** Whether podrun's profile is loaded, or can be: what RuntimeDefault needs. */
export function canUseDefaultProfile(host: HostAppArmor): boolean {
  return host.enabled && (loaded(host, APPARMOR_DEFAULT_PROFILE) || host.parser !== undefined);
}

function noAppArmor(host: Extract<HostAppArmor, { enabled: false }>, what: string): { detail: string; hint: string } {
  if (host.why === 'securityfs')
    return {
      detail: `${what} needs AppArmor, which this host's kernel has enabled, but its securityfs is not mounted at /sys/kernel/security`,
      hint: 'mount it (`mount -t securityfs securityfs /sys/kernel/security`), or use `type: Unconfined`',
    };
  return {
    detail: `${what} needs AppArmor, and this host's kernel has none${host.securityModules ? ` (its security modules: ${host.securityModules})` : ''}`,
    hint: 'use `type: Unconfined`, or run the pod on a host with AppArmor enabled (`cat /sys/module/apparmor/parameters/enabled` says Y)',
  };
}

/** The profile of container `index`, or the problem with what the manifest asks for. */
export function planAppArmor(m: PodManifest, index: number, host: HostAppArmor, list: 'containers' | 'initContainers' = 'containers'): { appArmor: PlannedAppArmor } | { problem: AppArmorProblem } {
  const c = list === 'containers' ? m.spec.containers[index] : (m.spec.initContainers ?? [])[index];
  const privileged = c.securityContext?.privileged === true;
  const eff = effectiveAppArmor(m, index, list);
  if (!eff) return { appArmor: !privileged && canUseDefaultProfile(host) ? { type: 'RuntimeDefault', profile: APPARMOR_DEFAULT_PROFILE } : { type: 'Unconfined' } };
  const { profile: p } = eff;
  if (p.type === 'Unconfined') return { appArmor: { type: 'Unconfined' } };
  const annotation = eff.from === 'annotation';
  const at = (field: 'type' | 'localhostProfile') => (annotation ? eff.path : [...eff.path, field]);
  const what = annotation ? `the AppArmor annotation ${p.type === 'Localhost' ? `localhost/${p.localhostProfile}` : 'runtime/default'}` : `appArmorProfile ${p.type}`;
  if (!host.enabled) {
    return { problem: { path: at('type'), ...noAppArmor(host, what) } };
  }
  if (p.type === 'RuntimeDefault') {
    if (privileged) return { appArmor: { type: 'Unconfined' } };
    if (!canUseDefaultProfile(host))
      return {
        problem: {
          path: at('type'),
          detail: `${what} is podrun's profile ${APPARMOR_DEFAULT_PROFILE}, which is not loaded, and apparmor_parser, which would load it, is not installed`,
          hint: 'install it (Debian: `apt-get install apparmor`), or use `type: Unconfined`',
        },
      };
    return { appArmor: { type: 'RuntimeDefault', profile: APPARMOR_DEFAULT_PROFILE } };
  }
  // Localhost: validation made sure the name is there and well formed (manifest/rules.ts).
  const name = p.localhostProfile ?? '';
  if (!loaded(host, name))
    return {
      problem: {
        path: at('localhostProfile'),
        detail: `AppArmor profile ${JSON.stringify(name)} is not loaded on this host`,
        hint: 'load it with apparmor_parser first (e.g. `apparmor_parser -r /etc/apparmor.d/PROFILE`); `/sys/kernel/security/apparmor/profiles` lists the loaded profiles',
      },
    };
  return { appArmor: { type: 'Localhost', profile: name } };
}
