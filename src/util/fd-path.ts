// The paths of the walks that go by file descriptors, never by path (docs/layers.md, "Walking a
// tree that may change"): `/proc/self/fd/DIRFD` is the opened directory itself, wherever it is
// now, and `/proc/self/fd/DIRFD/NAME` one component looked up in it.

/** Linux's O_PATH (not in fs.constants): an fd naming an object without opening it. */
export const O_PATH = 0o10000000;

/** `/proc/self/fd/FD`, or NAME (one component) in the directory FD is. */
export const fdPath = (fd: number, name?: string) => (name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`);
