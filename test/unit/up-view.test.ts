// What `up` shows (cli/up-view.ts): the waiting line, the log prefix, when there is colour.
import { expect } from 'chai';
import { logPrefix, useColour, waitingLine } from '../../src/cli/up-view';

describe('up: the waiting line, the log prefix, colour', () => {
  it('the waiting line names each pod not ready yet, with READY and STATUS as get shows them', () => {
    expect(waitingLine([{ name: 'web', readyCount: 1, total: 2, display: 'Running' }, { name: 'db', readyCount: 0, total: 1, display: 'ContainerCreating' }], 12_400)).to.equal(
      'waiting for pod/web 1/2 Running, pod/db 0/1 ContainerCreating (12s)',
    );

  });

  it('the prefix is pod/container padded to the longest, coloured in turn on a terminal', () => {
    expect(logPrefix('web', 'app', 8, 0, false)).to.equal('web/app  | ');
    expect(logPrefix('web', 'app', 8, 0, true)).to.equal('\x1b[36mweb/app  |\x1b[0m ');
    expect(logPrefix('db', 'pg', 5, 1, true)).to.equal('\x1b[33mdb/pg |\x1b[0m ');
    expect(logPrefix('a', 'b', 3, 12, true), 'the palette wraps').to.equal(logPrefix('a', 'b', 3, 0, true));
  });

  const rows: [boolean, NodeJS.ProcessEnv, boolean, boolean][] = [
    [true, { TERM: 'xterm' }, false, true],
    [false, { TERM: 'xterm' }, false, false],
    [true, { TERM: 'xterm', NO_COLOR: '1' }, false, false],
    [true, { TERM: 'xterm', NO_COLOR: '' }, false, true], // no-color.org: set and not empty
    [true, { TERM: 'dumb' }, false, false],
    [true, { TERM: 'xterm' }, true, false],
  ];
  for (const [tty, env, flag, want] of rows) it(`colour: tty ${tty}, ${JSON.stringify(env)}, --no-color ${flag} -> ${want}`, () => expect(useColour(tty, env, flag)).to.equal(want));
});
