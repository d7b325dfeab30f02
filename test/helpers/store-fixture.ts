// The per-test set-up of the image store suites (import, store): skipped unless root with busybox,
// each test gets a fresh temp dir holding a busybox rootfs (ROOT/rootfs) and an empty store
// (ROOT/store), removed after the test.
import { existsSync, readdirSync } from 'fs';
import { join } from 'path';
import { openStore } from '../../src/images/store';
import { haveBusybox, makeBusyboxRootfs } from './busybox';
import { CliResult, isRoot, podrun, tempRoot } from './cli';

/** The sorted entries of `d`, or none if it does not exist. */
export const ls = (d: string) => (existsSync(d) ? readdirSync(d).sort() : []);

export interface StoreFixture {
  /** The current test's temp dir. */
  readonly root: string;
  /** The busybox rootfs of the current test, ROOT/rootfs. */
  readonly rootfs: string;
  /** The store at ROOT/store, opened in this process. */
  store(): ReturnType<typeof openStore>;
  /** The CLI with PODRUN_ROOT=ROOT/store. */
  run(args: string[]): CliResult;
}

/** Registers the suite's hooks; call it inside `describe`, before the tests. */
export function useStoreFixture(): StoreFixture {
  let t: { root: string; cleanup: () => void } | undefined;
  let rootfs = '';
  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
  });
  beforeEach(() => {
    t = tempRoot();
    rootfs = makeBusyboxRootfs(join(t.root, 'rootfs'));
  });
  afterEach(() => t?.cleanup());
  return {
    get root() {
      return t!.root;
    },
    get rootfs() {
      return rootfs;
    },
    store: () => openStore({ root: join(t!.root, 'store'), runRoot: join(t!.root, 'store', 'run') }),
    run: (args) => podrun(join(t!.root, 'store'), args),
  };
}
