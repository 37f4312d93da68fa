/**
 * End to end with captured SDK requests: the generated SDK's V3 call is recorded by a tiny HTTP
 * server, then delivered to the emulator byte for byte with node:http, once with a chunked body and
 * once with a fixed-length body (both must verify), and replayed (SignatureNonceUsed).
 */
import t, { type Test } from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenApiModule, * as $OpenApi from '@alicloud/openapi-client';
import OpenApiUtilModule from '@alicloud/openapi-util';
import * as $Util from '@alicloud/tea-util';
import { DEMO } from '../helpers.js';
import { listeningEmulator } from './harness.js';

const OpenApi = OpenApiModule.default;
const OpenApiUtil = OpenApiUtilModule.default;

interface Captured { method: string; url: string; headers: Record<string, string>; body: Buffer; chunked: boolean }

/** A server that records one request per call and answers a JSON success (so the SDK is content). */
async function recorder(t: Test) {
  const seen: Captured[] = [];
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers[req.rawHeaders[i].toLowerCase()] = req.rawHeaders[i + 1];
      seen.push({ method: req.method!, url: req.url!, headers, body: Buffer.concat(parts), chunked: req.headers['transfer-encoding'] === 'chunked' });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"RequestId":"X","AggregatorId":"ca-recorded"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => {
    server.close(() => r());
    server.closeAllConnections();
  }));
  return { seen, endpoint: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Sends a captured request to the emulator, keeping its Host header, chunked or fixed-length. */
function deliver(port: number, c: Captured, framing: 'chunked' | 'fixed'): Promise<{ status: number; json: Record<string, any> }> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.headers)) if (!['connection', 'transfer-encoding', 'content-length'].includes(k)) headers[k] = v;
  if (framing === 'fixed') headers['content-length'] = String(c.body.length);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: c.method, path: c.url, headers, setHost: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(Buffer.concat(parts).toString('utf8')) }));
    });
    req.on('error', reject);
    if (framing === 'chunked') {
      const mid = Math.floor(c.body.length / 2);
      req.write(c.body.subarray(0, mid));
      req.write(c.body.subarray(mid));
    } else req.write(c.body);
    req.end();
  });
}

t.test('captured SDK V3 requests verify with chunked and fixed-length bodies; a replay is refused', async (t) => {
  const rec = await recorder(t);
  const sdk = new OpenApi(new $OpenApi.Config({ accessKeyId: DEMO.defaultKey.id, accessKeySecret: DEMO.defaultKey.secret, endpoint: rec.endpoint, protocol: 'http' }));
  const params = new $OpenApi.Params({
    action: 'CreateAggregator', version: '2020-09-07', protocol: 'HTTP', pathname: '/', method: 'POST',
    authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json',
  });
  for (const name of ['captured one', "captured (two) o'neil *"]) {
    const body = OpenApiUtil.parseToMap({
      AggregatorName: name, AggregatorType: 'CUSTOM',
      AggregatorAccounts: JSON.stringify([{ AccountId: DEMO.aliceAccountId, AccountName: 'Alice', AccountType: 'ResourceDirectory' }]),
    });
    await sdk.callApi(params, new $OpenApi.OpenApiRequest({ body }), new $Util.RuntimeOptions({}) as never);
  }
  t.equal(rec.seen.length, 2);
  t.ok(rec.seen[0].chunked, 'the SDK sends its form body chunked');
  t.match(rec.seen[0].headers.authorization, /^ACS3-HMAC-SHA256 Credential=LTAI5tEmulatorDefaultKey,SignedHeaders=content-type;host;/);
  t.equal(rec.seen[0].headers.host, rec.endpoint, 'the Host header is the endpoint the SDK was given');

  // The emulator listens elsewhere: the signed Host header is kept as captured (the Host header is
  // what is signed, not the socket the request arrives on).
  const l = await listeningEmulator(t, 'strict');
  const port = Number(l.endpoint.split(':')[1]);
  const first = await deliver(port, rec.seen[0], 'chunked');
  t.equal(first.status, 200, 'chunked delivery verifies');
  t.match(first.json.AggregatorId, /^ca-/);
  const second = await deliver(port, rec.seen[1], 'fixed');
  t.equal(second.status, 200, 'fixed-length delivery verifies');

  for (const framing of ['fixed', 'chunked'] as const) {
    const replay = await deliver(port, rec.seen[0], framing);
    t.equal(replay.status, 400, `replay (${framing})`);
    t.equal(replay.json.Code, 'SignatureNonceUsed');
  }
  const tampered = await deliver(port, { ...rec.seen[1], body: Buffer.from(rec.seen[1].body.toString('utf8').replace('two', 'TWO')) }, 'fixed');
  t.equal(tampered.json.Code, 'SignatureDoesNotMatch', 'a changed body no longer matches x-acs-content-sha256');
});
