// podrun inspect NAME...: docker's inspect for what podrun has: a pod (its Kubernetes object with
// status, as `get pod -o json`) or an image (as `image inspect`). A name is looked up as a pod of
// the namespace first, then as an image, unless --type says which; the result is a JSON array.
import { NotFoundError, UsageError } from '../../util/errors';
import { parseArgs, str, type VerbSpec } from '../args';
import type { CliContext } from '../context';
import { forEachItem } from '../render';
import { namespaceFrom, namespaceOptions, parsePodAddress } from '../resources';

export const spec: VerbSpec = {
  name: 'inspect',
  usage: 'podrun inspect [--type pod|image] [-n NAMESPACE] NAME...',
  description: 'Print pods or images as a JSON array, as docker inspect does: a pod as its Kubernetes object with its status (as get pod -o json), an image as image inspect prints it. A name is a pod first, then an image, unless --type says which.',
  examples: [
    ['a pod', 'podrun inspect web'],
    ['an image', 'podrun inspect --type image busybox:dev'],
  ],
  options: {
    ...namespaceOptions,
    type: { type: 'string', arg: 'pod|image', help: 'look the names up as this only', complete: ['pod', 'image'] },
  },
  operands: ['pods'],
  repeatLast: true,
};

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  const type = str(values.type);
  if (type !== undefined && type !== 'pod' && type !== 'image') throw new UsageError(`--type: unknown type '${type}'`, 'use --type pod or --type image');
  if (!positionals.length) throw new UsageError('inspect needs at least one name', `usage: ${spec.usage}`);
  const ns = namespaceFrom(values);
  const docs: unknown[] = [];
  const code = await forEachItem(positionals, async (name) => {
    if (type !== 'image') {
      const pod = await inspectPod(ctx, name, ns, type === 'pod');
      if (pod) return void docs.push(pod);
    }
    const { openStore } = await import('../../images/store');
    const { inspectDocument } = await import('../../images/display');
    const store = openStore(ctx.paths);
    const rec = store.lookup(name);
    if (!rec) throw new NotFoundError(`No such object: ${name}`, type === 'image' ? "'podrun images' lists the images" : "'podrun get pods' lists the pods, 'podrun images' the images");
    docs.push(await inspectDocument(store, rec));
  });
  ctx.out(JSON.stringify(docs, null, 4) + '\n');
  return code;
}

/** The pod NAME as `get pod -o json` prints it; undefined when there is none (and the name may be an image's). */
async function inspectPod(ctx: CliContext, name: string, ns: string, only: boolean): Promise<unknown> {
  let addr;
  try {
    addr = parsePodAddress(name, ns);
  } catch (e) {
    if (only) throw e;
    return undefined; // `busybox:dev` is no pod name
  }
  if (process.geteuid?.() !== 0) {
    if (!only) return undefined;
    (await import('../root')).requireRoot('inspect');
  }
  const { readPodRecord } = await import('../../state/pod-records');
  const rec = readPodRecord(ctx.paths, `${addr.namespace}_${addr.name}`);
  if (!rec) {
    if (only) (await import('../../state/pod-records')).findPod(ctx.paths, addr.namespace, addr.name); // its NotFound
    return undefined;
  }
  const { computePodStatus, k8sPod, snapshotPod } = await import('../../runtime/pod-status');
  const snap = snapshotPod(rec);
  return k8sPod(computePodStatus(snap), snap);
}
