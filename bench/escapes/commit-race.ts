// The commit race of escape 2 (docs/security.md), as a trial: PODRUN_RACE_TRIALS (default 100)
// racing commits with --pause=false (the fd walk alone) and as many with the default --pause (the
// freezer too), against a container exchanging 16 directories with symlinks to a host directory
// holding a marker `shadow` and 4 with symlinks to the host's /etc. Prints per mode how many
// commits were made, refused, inconsistent, and how many layers held a host file (must be 0), and
// the commit times; exits 1 if any host file got into a layer. Run by bench/escapes/commit-race.sh.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { makeBusyboxRootfs } from '../../test/helpers/busybox';
import { podrun } from '../../test/helpers/cli';
import { commitRace, exchangeTools, hostShadow, Race, RaceSetup, raceSummary, racerManifest } from '../../test/helpers/commit-race';

const TRIALS = Number(process.env.PODRUN_RACE_TRIALS ?? 100);

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
}

async function main(): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), 'podrun-commit-race-'));
  const host = mkdtempSync(join(tmpdir(), 'podrun-commit-race-host-'));
  const run = (args: string[]) => podrun(root, args);
  let failed = false;
  try {
    const imp = run(['import', makeBusyboxRootfs(join(root, 'src-rootfs')), 'busybox:test']);
    if (imp.code !== 0) throw new Error(`import: ${imp.stderr}`);
    const hostEtc = join(host, 'hostetc');
    const marker = `PODRUN-HOST-SECRET-${process.pid}-${Date.now()}`;
    mkdirSync(hostEtc);
    writeFileSync(join(hostEtc, 'shadow'), `root:${marker}:19000:0:99999:7:::\n`, { mode: 0o600 });
    const targets = [...Array.from({ length: 16 }, () => hostEtc), ...Array.from({ length: 4 }, () => '/etc')];
    const setup: RaceSetup = { root, hostDir: host, targets, secrets: [Buffer.from(marker), ...hostShadow()], run };
    const results: [string, Race][] = [];
    for (const [mode, flags] of [['--pause=false', ['--pause=false']], ['--pause (default)', []]] as [string, string[]][]) {
      const pod = flags.length ? 'racer-nopause' : 'racer-pause';
      const f = join(root, `${pod}.yaml`);
      writeFileSync(f, racerManifest(pod, exchangeTools(host), targets));
      const a = run(['apply', '-f', f]);
      if (a.code !== 0) throw new Error(`apply: ${a.stderr}`);
      for (let i = 0; run(['exec', `${pod}/c`, '--', 'test', '-f', '/ready']).code !== 0; i++) if (i > 200) throw new Error('the racer did not start');
      process.stderr.write(`commit-race: ${TRIALS} commits with ${mode}...\n`);
      const r = await commitRace(setup, pod, pod, flags, TRIALS);
      results.push([mode, r]);
      run(['delete', 'pod', pod, '--now']);
      if (r.leaked.length || r.other.length) failed = true;
    }
    console.log(`commit race (escape 2): ${TRIALS} racing commits per mode, ${targets.length} exchanged pairs (16 to a host dir with a marker shadow, 4 to /etc)`);
    console.log('| mode | commits made | refused (changed) | other failures | layers not one moment | layers with a host file | commit ms p50 / p90 |');
    console.log('|---|---|---|---|---|---|---|');
    for (const [mode, r] of results)
      console.log(`| ${mode} | ${r.ok} | ${r.changed} | ${r.other.length} | ${new Set(r.inconsistent).size} | **${r.leaked.length}** | ${percentile(r.ms, 50).toFixed(0)} / ${percentile(r.ms, 90).toFixed(0)} |`);
    for (const [mode, r] of results) if (r.other.length) console.log(`${mode}: ${raceSummary(r)}; first failure: ${r.other[0]}`);
  } finally {
    run(['delete', 'pods', '--all', '--grace-period', '0']);
    rmSync(root, { recursive: true, force: true });
    rmSync(host, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`commit-race: ${(e as Error).message}`);
    process.exit(1);
  },
);
