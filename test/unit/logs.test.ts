// The CRI log parser and reader behind `podrun logs`, without root or pods.
import { expect } from 'chai';
import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import {
  createLineJoiner,
  filterLines,
  formatLine,
  openLogFile,
  parseCriLine,
  timeToNanos,
  waitForChange,
  type LogLine,
} from '../../src/runtime/cri-log-reader';
import { parseDuration } from '../../src/util/duration';

const T = (s: number, ns = 0) => `2026-11-28T10:00:${String(s).padStart(2, '0')}.${String(ns).padStart(9, '0')}Z`;

/** Parses whole CRI text (the test's view of a whole file); malformed lines are skipped. */
function parseCriText(text: string): { lines: LogLine[]; pending: LogLine[] } {
  const j = createLineJoiner();
  const lines: LogLine[] = [];
  for (const raw of text.split('\n')) {
    const r = raw ? parseCriLine(raw) : undefined;
    const l = r && j.push(r);
    if (l) lines.push(l);
  }
  return { lines, pending: j.flush() };
}


describe('logs: CRI parser', () => {
  it('parses full and partial records, keeping spaces in the text', () => {
    expect(parseCriLine(`${T(1)} stdout F hello  world `)).to.deep.equal({
      time: T(1),
      stream: 'stdout',
      partial: false,
      text: 'hello  world ',
    });
    expect(parseCriLine(`${T(1)} stderr P abc`)).to.include({ stream: 'stderr', partial: true, text: 'abc' });
    expect(parseCriLine(`${T(1)} stdout F `)).to.include({ text: '' });
    expect(parseCriLine(`${T(1)} stdout F`)).to.include({ text: '' });
    expect(parseCriLine(`${T(1)} stdout P:x y`)).to.include({ partial: true, text: 'y' });
  });

  it('rejects malformed records', () => {
    for (const bad of ['', 'garbage', `${T(1)} stdin F x`, `${T(1)} stdout X x`, `yesterday stdout F x`, `${T(1)}`])
      expect(parseCriLine(bad), bad).to.equal(undefined);
  });

  it('joins partials per stream, even when the streams interleave', () => {
    const { lines, pending } = parseCriText(
      [
        `${T(1)} stdout P hel`,
        `${T(2)} stderr F oops`,
        `${T(3)} stdout P lo `,
        `${T(4)} stdout F world`,
        `${T(5)} stderr P no newline`,
        '',
      ].join('\n'),
    );
    expect(lines.map((l) => [l.stream, l.text, l.time])).to.deep.equal([
      ['stderr', 'oops', T(2)],
      ['stdout', 'hello world', T(1)],
    ]);
    expect(pending).to.deep.equal([{ time: T(5), stream: 'stderr', text: 'no newline', complete: false }]);
    expect(formatLine(pending[0], false)).to.equal('no newline');
    expect(formatLine(lines[0], true)).to.equal(`${T(2)} oops\n`);
  });

  it('joiner flush orders pending lines by time', () => {
    const j = createLineJoiner();
    j.push({ time: T(5), stream: 'stdout', partial: true, text: 'b' });
    j.push({ time: T(3), stream: 'stderr', partial: true, text: 'a' });
    expect(j.flush().map((l) => l.text)).to.deep.equal(['a', 'b']);
    expect(j.flush()).to.deep.equal([]);
  });

  it('timeToNanos keeps nanoseconds and honours offsets', () => {
    expect(timeToNanos('1970-01-01T00:00:01.000000002Z')).to.equal(1_000_000_002n);
    expect(timeToNanos('1970-01-01T01:00:00+01:00')).to.equal(0n);
    expect(timeToNanos('1970-01-01T00:00:00.5Z')).to.equal(500_000_000n);
    expect(timeToNanos('not a time')).to.equal(undefined);
  });

  it('parseDuration takes Go durations and rejects the rest', () => {
    expect(parseDuration('5s')).to.equal(5000);
    expect(parseDuration('2m')).to.equal(120_000);
    expect(parseDuration('1h30m')).to.equal(5_400_000);
    expect(parseDuration('500ms')).to.equal(500);
    for (const bad of ['', '5', 's', '5 s', '-5s', '5d']) expect(() => parseDuration(bad), bad).to.throw(/--since/);
  });

  it('--tail and --since filter whole lines', () => {
    const { lines } = parseCriText(
      [1, 2, 3, 4, 5].map((s) => `${T(s)} stdout F line${s}`).join('\n') + `\n${T(6)} stdout P x\n${T(7)} stdout F y\n`,
    );
    expect(filterLines(lines, { tail: 2 }).map((l) => l.text)).to.deep.equal(['line5', 'xy']);
    expect(filterLines(lines, { tail: 0 })).to.deep.equal([]);
    expect(filterLines(lines, { tail: 100 })).to.have.length(6);
    const since = timeToNanos(T(4))!;
    expect(filterLines(lines, { sinceNanos: since }).map((l) => l.text)).to.deep.equal(['line4', 'line5', 'xy']);
    expect(filterLines(lines, { sinceNanos: since, tail: 1 }).map((l) => l.text)).to.deep.equal(['xy']);
  });
});

describe('logs: file reader', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'podrun-logs-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('returns only what was appended since the last read, and waits for a line to end', () => {
    const f = join(dir, '0.log');
    const r = openLogFile(f);
    expect(r.read()).to.deep.equal([]); // not there yet
    writeFileSync(f, `${T(1)} stdout F a\n${T(2)} stdout F b`);
    expect(r.read().map((l) => l.text)).to.deep.equal(['a']);
    appendFileSync(f, `\n${T(3)} stdout P c`);
    expect(r.read().map((l) => l.text)).to.deep.equal(['b']);
    appendFileSync(f, `\n${T(4)} stdout F d\n`);
    expect(r.read().map((l) => l.text)).to.deep.equal(['cd']);
    expect(r.read()).to.deep.equal([]);
    r.close();
  });

  it('starts over after truncation and after the file is replaced', () => {
    const f = join(dir, '0.log');
    writeFileSync(f, `${T(1)} stdout F one\n${T(2)} stdout F two\n`);
    const r = openLogFile(f);
    expect(r.read()).to.have.length(2);
    truncateSync(f, 0);
    appendFileSync(f, `${T(3)} stdout F three\n`);
    expect(r.read().map((l) => l.text)).to.deep.equal(['three']);
    writeFileSync(join(dir, 'new'), `${T(4)} stderr F four\n`);
    renameSync(join(dir, 'new'), f);
    expect(r.read().map((l) => [l.stream, l.text])).to.deep.equal([['stderr', 'four']]);
    r.close();
  });

  it('handles records split across read chunks and multi-byte text', () => {
    const f = join(dir, '0.log');
    const long = 'é'.repeat(200_000); // 400 KB: crosses the 256 KiB read buffer mid-character
    writeFileSync(f, `${T(1)} stdout F ${long}\n${T(2)} stdout F end\n`);
    const r = openLogFile(f);
    const lines = r.read();
    expect(lines.map((l) => l.text.length)).to.deep.equal([200_000, 3]);
    expect(lines[0].text).to.equal(long);
    r.close();
  });

  it('waitForChange wakes on a write well before its timeout', async () => {
    const f = join(dir, '0.log');
    writeFileSync(f, '');
    const t0 = Date.now();
    setTimeout(() => appendFileSync(f, 'x'), 50);
    await waitForChange(f, 5000);
    expect(Date.now() - t0).to.be.lessThan(2000);
    const t1 = Date.now();
    await waitForChange(join(dir, 'missing'), 100); // no file: plain timeout
    expect(Date.now() - t1).to.be.greaterThanOrEqual(90);
  });
});
