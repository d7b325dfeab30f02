// The grace wait's progress line (cli/grace-wait.ts): what it waits for, how long, what Ctrl-C does.
import { expect } from 'chai';
import { graceLine } from '../../src/cli/grace-wait';

describe('grace wait: the progress line', () => {
  const rows: [Parameters<typeof graceLine>, string][] = [
    [['pod/dev', ['app'], 2500, 30_000, false], 'pod/dev: waiting for app to stop (2s; SIGKILL in 28s) - Ctrl-C kills now'],
    [['pod/dev', ['app', 'side'], 0, 30_000, false], 'pod/dev: waiting for app, side to stop (0s; SIGKILL in 30s) - Ctrl-C kills now'],
    [['pod/dev', undefined, 1000, 600_000, false], 'pod/dev: waiting for its containers to stop (1s; SIGKILL in 10m) - Ctrl-C kills now'],
    [['pod/dev', [], 40_000, 30_000, false], 'pod/dev: waiting for the last process to stop (40s; SIGKILL in 0s) - Ctrl-C kills now'],
    [['pod/dev', ['app'], 3000, 30_000, true], 'pod/dev: killing app now'],
    [['pod/dev', ['app'], 1000, 86_400_000, false], 'pod/dev: waiting for app to stop (1s; SIGKILL in 24h) - Ctrl-C kills now'],
  ];
  for (const [args, want] of rows) it(want, () => expect(graceLine(...args)).to.equal(want));
});
