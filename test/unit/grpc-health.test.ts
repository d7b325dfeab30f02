// The monitor's gRPC health client (addon/src/grpc_health.c), against real HTTP/2 servers: Node's
// own (nghttp2, as grpc-go's and C++'s servers speak it) in this process, on loopback. The
// client's request must be a valid gRPC call (the server parses it), and its reading of each
// answer, fed whole and byte by byte, must be what the kubelet's probe would conclude.
import { expect } from 'chai';
import http2 from 'http2';
import net from 'net';
import type { AddressInfo } from 'net';
import { native } from '../../src/util/native';

type Mode = 'serving' | 'not_serving' | 'unknown_service' | 'unimplemented' | 'trailers_huffman' | 'reset' | 'http1';

/** A health server answering each call as `mode` says; resolves with its port and what it received. */
async function server(mode: Mode): Promise<{ port: number; calls: { path: string; ua: string; te: string; body: Buffer }[]; close: () => void }> {
  const calls: { path: string; ua: string; te: string; body: Buffer }[] = [];
  if (mode === 'http1') {
    const s = net.createServer((c) => c.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return { port: (s.address() as AddressInfo).port, calls, close: () => s.close() };
  }
  const s = http2.createServer();
  s.on('stream', (st, h) => {
    st.on('error', () => undefined); // the reset case's own
    const chunks: Buffer[] = [];
    st.on('data', (d: Buffer) => chunks.push(d));
    st.on('end', () => {
      calls.push({ path: String(h[':path']), ua: String(h['user-agent']), te: String(h.te), body: Buffer.concat(chunks) });
      if (mode === 'reset') return st.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      if (mode === 'unimplemented' || mode === 'unknown_service' || mode === 'trailers_huffman') {
        const code = mode === 'unknown_service' ? '5' : mode === 'trailers_huffman' ? '14' : '12';
        return st.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': code, 'grpc-message': 'no' }, { endStream: true });
      }
      st.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      st.on('wantTrailers', () => st.sendTrailers({ 'grpc-status': '0' }));
      st.end(Buffer.from([0, 0, 0, 0, 2, 0x08, mode === 'serving' ? 1 : 2]));
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { port: (s.address() as AddressInfo).port, calls, close: () => s.close() };
}

/** What the server sends back to the client's request, until the client has its answer, the server closes, or 2 s pass. */
function exchange(port: number, request: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    const c = net.connect(port, '127.0.0.1', () => c.write(request));
    const done = () => {
      c.destroy();
      resolve(Buffer.concat(got));
    };
    c.on('data', (d) => {
      got.push(d);
      if (native().grpcHealthDecode([Buffer.concat(got)]).result !== 'more') done();
    });
    c.on('error', reject);
    c.on('close', done);
    setTimeout(done, 2000);
  });
}

const bytewise = (b: Buffer) => [...b].map((x) => Buffer.from([x]));

describe('gRPC health client (h2c, grpc.health.v1.Health/Check)', () => {
  const cases: [Mode, string, Record<string, unknown>][] = [
    ['serving', 'the server says SERVING', { result: 'serving', status: 'SERVING', output: 'service healthy' }],
    ['not_serving', 'NOT_SERVING', { result: 'not_serving', status: 'NOT_SERVING', output: 'service unhealthy (responded with "NOT_SERVING")' }],
    ['unimplemented', 'a server without the health service: trailers-only grpc-status 12', { result: 'rpc_error', grpcStatus: 12, output: 'error: this server does not implement the grpc health protocol (grpc.health.v1.Health): rpc error: code = Unimplemented' }],
    ['unknown_service', 'an unknown service: grpc-status 5 (NOT_FOUND)', { result: 'rpc_error', grpcStatus: 5, output: 'error: health rpc probe failed: rpc error: code = NotFound' }],
    ['trailers_huffman', 'a two-digit status', { result: 'rpc_error', grpcStatus: 14, output: 'error: health rpc probe failed: rpc error: code = Unavailable' }],
    ['reset', 'the stream reset', { result: 'rpc_error', grpcStatus: null, output: 'error: health rpc probe failed: rpc error: the call ended without a response' }],
    ['http1', 'an HTTP/1.1 server', { result: 'protocol', output: 'error: health rpc probe failed: the server answered in HTTP/1, not HTTP/2' }],
  ];
  for (const [mode, what, want] of cases)
    it(what, async () => {
      const s = await server(mode);
      try {
        const req = native().grpcHealthRequest(`127.0.0.1:${s.port}`, mode === 'serving' ? 'shop.v1.Cart' : '', 'kube-probe/1.36')!;
        const answer = await exchange(s.port, req);
        const whole = native().grpcHealthDecode([answer]);
        expect(whole).to.include(want);
        expect(native().grpcHealthDecode(bytewise(answer)), 'byte by byte').to.deep.equal(whole);
        if (mode === 'http1') return;
        // a valid call: the server parsed the path, the headers and the HealthCheckRequest
        expect(s.calls[0]).to.include({ path: '/grpc.health.v1.Health/Check', ua: 'kube-probe/1.36', te: 'trailers' });
        expect(s.calls[0].body).to.deep.equal(mode === 'serving' ? Buffer.concat([Buffer.from([0, 0, 0, 0, 14, 0x0a, 12]), Buffer.from('shop.v1.Cart')]) : Buffer.alloc(5));
        // the server's SETTINGS is acknowledged
        expect(whole.replies.subarray(0, 9)).to.deep.equal(Buffer.from([0, 0, 0, 4, 1, 0, 0, 0, 0]));
      } finally {
        s.close();
      }
    });

  it('refuses what it cannot send, and what no gRPC server sends', () => {
    expect(native().grpcHealthRequest('a\r\nb', '', 'ua')).to.equal(null);
    expect(native().grpcHealthRequest('a', 'x'.repeat(600), 'ua')).to.equal(null);
    const frame = (len: number, type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(len)) =>
      Buffer.concat([Buffer.from([len >> 16, (len >> 8) & 255, len & 255, type, flags, stream >> 24, (stream >> 16) & 255, (stream >> 8) & 255, stream & 255]), payload]);
    expect(native().grpcHealthDecode([frame(20000, 0, 0, 1)]).why).to.match(/larger than SETTINGS_MAX_FRAME_SIZE/);
    // a message that is compressed, too long, or not protobuf
    expect(native().grpcHealthDecode([frame(7, 0, 1, 1, Buffer.from([1, 0, 0, 0, 2, 8, 1]))]).result).to.equal('protocol');
    expect(native().grpcHealthDecode([frame(5, 0, 1, 1, Buffer.from([0, 0, 0, 1, 0]))]).result).to.equal('protocol');
    expect(native().grpcHealthDecode([frame(7, 0, 1, 1, Buffer.from([0, 0, 0, 0, 2, 0x0f, 1]))]).result).to.equal('protocol');
    // PING is answered with its own data
    const ping = native().grpcHealthDecode([frame(8, 6, 0, 0, Buffer.from('12345678'))]);
    expect(ping.result).to.equal('more');
    expect(ping.replies).to.deep.equal(frame(8, 6, 1, 0, Buffer.from('12345678')));
    // padded DATA with the message, then END_STREAM
    const padded = Buffer.concat([Buffer.from([3]), Buffer.from([0, 0, 0, 0, 2, 8, 1]), Buffer.alloc(3)]);
    expect(native().grpcHealthDecode([frame(padded.length, 0, 0x9, 1, padded)])).to.include({ result: 'serving' });
  });
});
