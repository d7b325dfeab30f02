// terminated.message from the files a container leaves (kubelet-rules.md §7): the tail of the
// termination file, the log fallback's 80 lines / 2048 bytes, the pod-wide cap, and no link or
// special file followed.
import { expect } from 'chai';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { logTail, readTail, terminationMessage, type TerminationInput } from '../../src/runtime/termination-message';

describe('termination messages', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'podrun-term-'));
    mkdirSync(join(dir, 'logs'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const input = (o: Partial<TerminationInput> = {}): TerminationInput => ({ stateFile: join(dir, 'state.json'), logDir: join(dir, 'logs'), policy: 'File', instance: 0, exitCode: 1, startError: false, containers: 1, ...o });
  const cri = (lines: string[], stream = 'stdout') => lines.map((l) => `2026-12-03T10:00:00.000000000Z ${stream} F ${l}\n`).join('');

  it('the last 4096 bytes of the instance file', () => {
    writeFileSync(join(dir, 'termination-3'), 'x'.repeat(5000) + 'END');
    const m = terminationMessage(input({ instance: 3 }))!;
    expect(m.length).to.equal(4096);
    expect(m.endsWith('END')).to.equal(true);
    expect(terminationMessage(input({ instance: 2 }))).to.equal(undefined);
  });

  it('FallbackToLogsOnError: the last 80 lines, at most 2048 bytes, only for a failure with an empty file', () => {
    writeFileSync(join(dir, 'logs', '0.log'), cri(Array.from({ length: 100 }, (_, i) => `line ${i + 1}`)));
    writeFileSync(join(dir, 'termination-0'), '');
    const m = terminationMessage(input({ policy: 'FallbackToLogsOnError' }))!;
    expect(m.split('\n')[0]).to.equal('line 21');
    expect(terminationMessage(input({ policy: 'FallbackToLogsOnError', exitCode: 0 }))).to.equal(undefined);
    expect(terminationMessage(input({ policy: 'FallbackToLogsOnError', startError: true }))).to.equal(undefined);
    expect(terminationMessage(input({ policy: 'File' }))).to.equal(undefined);
    writeFileSync(join(dir, 'logs', '0.log'), cri(Array.from({ length: 50 }, () => 'y'.repeat(100))));
    expect(Buffer.byteLength(terminationMessage(input({ policy: 'FallbackToLogsOnError' }))!)).to.equal(2048);
  });

  it('joins partial records and starts at a whole record of a long log', () => {
    const long = cri(Array.from({ length: 2000 }, (_, i) => `n${i}`));
    writeFileSync(join(dir, 'logs', '0.log'), long + '2026-12-03T10:00:00Z stdout P par\n2026-12-03T10:00:00Z stdout F tial\n');
    const t = logTail(join(dir, 'logs', '0.log'));
    expect(t.split('\n').slice(-3)).to.deep.equal(['n1999', 'partial', '']);
    expect(t.split('\n')[0]).to.equal('n1921');
  });

  it('the runtime message first; each message cut to 12 KiB over the containers', () => {
    writeFileSync(join(dir, 'termination-0'), 'z'.repeat(4096));
    expect(terminationMessage(input({ runtimeMessage: 'oops' }))!.startsWith('oops: zzz')).to.equal(true);
    expect(terminationMessage(input({ containers: 4 }))!.length).to.equal(3072);
  });

  it('follows no symlink and reads no fifo or directory', () => {
    writeFileSync(join(dir, 'secret'), 'host data');
    symlinkSync(join(dir, 'secret'), join(dir, 'termination-0'));
    expect(terminationMessage(input())).to.equal(undefined);
    mkdirSync(join(dir, 'termination-1'));
    expect(readTail(join(dir, 'termination-1'), 10)).to.equal(undefined);
  });
});
