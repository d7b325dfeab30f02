// The command a pod's monitor runs when its Ready condition changes (the launch file's `notify`):
// kept apart from services-sync.ts, which only that command loads, so every apply's facts stay cheap.
import { join } from 'path';
import { installRoot, type Paths } from '../../util/paths';

/**
 * The command a pod's monitor runs when its Ready condition changes: the root's own sync (its
 * settings are the root's, stored), but only when there are Services or their table (a shell's
 * test first: most pods' readiness changes need no Node process at all). The paths are arguments,
 * never part of the script.
 */
export function notifyCommand(paths: Paths): string[] {
  const script = 'if [ -e "$1/network/services.table" ] || [ -n "$(ls -A "$2/objects/services" 2>/dev/null)" ]; then exec "$3" "$4" --root "$2" --run-root "$1" sync-services; fi';
  return ['/bin/sh', '-c', script, 'podrun-notify', paths.runRoot, paths.root, process.execPath, join(installRoot(), 'dist', 'src', 'cli', 'start.js')];
}
