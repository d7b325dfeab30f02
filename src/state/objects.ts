// The store of ConfigMaps, Secrets and PersistentVolumeClaims: one JSON file per object,
// <root>/objects/<plural>/<namespace>_<name>.json, written atomically, owner-only (0600 in 0700
// directories: a Secret's bytes are readable by root alone, and never copied into pod.json, the
// plan or a log). The stored object is the Kubernetes object with the metadata the API server
// adds (uid, creationTimestamp, resourceVersion). Changes take one lock for the whole store: they
// are a few small writes, so commands queue behind each other (flock without LOCK_NB).
import { closeSync, mkdirSync, openSync, unlinkSync } from 'fs';
import { join } from 'path';
import { OBJECT_KINDS, type ObjectKind } from '../util/kinds';
import type { ConfigObject } from '../manifest/objects';
import { isErrno, NotFoundError } from '../util/errors';
import { objectKey, type Paths } from '../util/paths';

export { claimDir } from '../util/paths';
import { randomUuid } from '../util/uuid';
import { readJsonIfExists, readJsonRecords, writeJsonAtomic } from './atomic';

/** A stored object: what `get -o yaml` shows. */
export type StoredObject = ConfigObject & { metadata: ConfigObject['metadata'] & { uid: string; creationTimestamp: string; resourceVersion: string } };

export const objectsDir = (paths: Paths, kind: ObjectKind) => join(paths.root, 'objects', OBJECT_KINDS[kind].plural);
const objectPath = (paths: Paths, kind: ObjectKind, namespace: string, name: string) => join(objectsDir(paths, kind), `${objectKey(namespace, name)}.json`);

export function readObject(paths: Paths, kind: ObjectKind, namespace: string, name: string): StoredObject | undefined {
  const o = readJsonIfExists<StoredObject>(objectPath(paths, kind, namespace, name));
  return o && o.kind === kind && o.metadata?.name === name && o.metadata.namespace === namespace ? o : undefined;
}

/** Every stored object of a kind, optionally of one namespace, sorted by namespace then name. */
export function listObjects(paths: Paths, kind: ObjectKind, namespace?: string): StoredObject[] {
  return readJsonRecords<StoredObject>(objectsDir(paths, kind), namespace, (o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace), (o) => [o.metadata.namespace, o.metadata.name]);
}

export function objectNotFound(kind: ObjectKind, namespace: string, name: string): NotFoundError {
  const plural = OBJECT_KINDS[kind].plural;
  return new NotFoundError(
    `Error from server (NotFound): ${plural} "${name}" not found${namespace === 'default' ? '' : ` in namespace "${namespace}"`}`,
    `\`podrun get ${plural}${namespace === 'default' ? '' : ` -n ${namespace}`}\` lists them; \`podrun apply -f FILE\` creates one`,
  );
}

/** Writes OBJECT (a new one gets a uid and creation time; a changed one the next resourceVersion). */
export function writeObject(paths: Paths, object: ConfigObject, before: StoredObject | undefined): StoredObject {
  const dir = objectsDir(paths, object.kind);
  mkdirSync(join(paths.root, 'objects'), { recursive: true, mode: 0o700 });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stored = {
    ...object,
    metadata: {
      ...object.metadata,
      uid: before?.metadata.uid ?? randomUuid(),
      creationTimestamp: before?.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      resourceVersion: String(Number(before?.metadata.resourceVersion ?? 0) + 1),
    },
  } as StoredObject;
  writeJsonAtomic(objectPath(paths, object.kind, object.metadata.namespace, object.metadata.name), stored, 0o600);
  return stored;
}

/** Removes the object's file; false when there was none. */
export function removeObject(paths: Paths, kind: ObjectKind, namespace: string, name: string): boolean {
  try {
    unlinkSync(objectPath(paths, kind, namespace, name));
    return true;
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return false;
    throw e;
  }
}

const LOCK_EX = 2;

/**
 * Takes the store's lock (waiting for it: changes are short) and returns its release. Also held
 * while a pod's config volumes are written from the store, so a volume never mixes two versions.
 */
export function lockObjects(paths: Paths): () => void {
  mkdirSync(join(paths.runRoot, 'locks'), { recursive: true, mode: 0o700 });
  const fd = openSync(join(paths.runRoot, 'locks', 'objects.lock'), 'a', 0o600);
  try {
    (require('../util/native') as typeof import('../util/native')).native().flock(fd, LOCK_EX);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return () => closeSync(fd); // releases the flock; the file stays (one per run root, like the dir)
}

/** Runs FN (synchronous) holding the store's lock. */
export function withObjectsLockSync<T>(paths: Paths, fn: () => T): T {
  const release = lockObjects(paths);
  try {
    return fn();
  } finally {
    release();
  }
}

/** Runs FN holding the store's lock. */
export async function withObjectsLock<T>(paths: Paths, fn: () => Promise<T> | T): Promise<T> {
  const release = lockObjects(paths);
  try {
    return await fn();
  } finally {
    release();
  }
}
