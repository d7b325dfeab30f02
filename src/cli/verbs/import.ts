// podrun import [-m MSG] [-c 'INSTRUCTION'...] ROOTFS_DIR|ROOTFS.tar[.gz] NAME[:TAG]
import { UsageError } from '../../util/errors';
import { parseArgs, str, type VerbSpec } from '../args';
import type { CliContext } from '../context';

export const spec: VerbSpec = {
  name: 'import',
  usage: "podrun import [-q] [-m MESSAGE] [-c 'CMD [\"sh\"]']... ROOTFS_DIR|ROOTFS.tar[.gz]|- NAME[:TAG]",
  description: 'Make a one-layer image from a directory or a tar archive of a root filesystem (- reads the archive from stdin), as docker import does.',
  examples: [
    ['an image of a directory', 'podrun import ./rootfs busybox:dev'],
    ['of a tarball, with a command', "podrun import -c 'CMD [\"sh\"]' rootfs.tar.gz tools:v1"],
  ],
  options: {
    message: { type: 'string', short: 'm', arg: 'MESSAGE', help: "the image history's comment" },
    change: { type: 'string', short: 'c', multiple: true, arg: 'INSTRUCTION', help: 'a Dockerfile instruction applied to the config (CMD, ENTRYPOINT, ENV, ...; repeatable)' },
    quiet: { type: 'boolean', short: 'q', help: 'print only the image id' },
  },
  operands: ['files', 'images'],
};
const USAGE = spec.usage;

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  if (positionals.length !== 2)
    throw new UsageError(`import needs a source and a NAME[:TAG], got ${positionals.length} argument(s)`, `usage: ${USAGE}`);
  const [src, tag] = positionals;
  const { parseTagReference } = await import('../../images/reference');
  parseTagReference(tag);
  const { parseChanges } = await import('../../images/changes');
  const config = parseChanges((values.change as string[] | undefined) ?? []);
  const { openStore } = await import('../../images/store');
  const { importRootfs } = await import('../../images/create');
  const store = openStore(ctx.paths);
  const opts = { config, message: str(values.message) };
  // `import - NAME`: a tarball on stdin, as docker import takes it
  const rec = src === '-' ? await (await import('../stdio-spool')).withStdinFile(store, 'import.tar', (tmp) => importRootfs(store, tmp, tag, { ...opts, source: '-' })) : await importRootfs(store, src, tag, opts);
  ctx.out(rec.imageId + '\n');
  return 0;
}
