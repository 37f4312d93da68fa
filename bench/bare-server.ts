/**
 * The reference: a bare fastify route answering GET|POST / with a canned JSON body (the emulator's
 * own GetAggregateCompliancePackReport answer, captured in the same run). Same fastify, same
 * node, started the same way as the emulator: the ceiling of this stack.
 *
 *   node dist/bench/bare-server.js --port 8081 [--body file.json]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Fastify, { type FastifyReply } from 'fastify';

const DEFAULT_BODY = JSON.stringify({
  RequestId: '6D8E4F0C-4B1A-4C57-9C8B-6E9D2E3A4F10',
  CompliancePackReport: {
    CompliancePackId: 'cp-fdc8626622af00f9a1b2',
    AccountId: 1009318965421234,
    ReportUrl: 'http://127.0.0.1:8080/CompliancePackReports/1009318965421234/cp-fdc8626622af00f9a1b2/1009318965421234-cp-fdc8626622af00f9a1b2-report-202106221050.zip?Expires=1764563220&OSSAccessKeyId=LTAI5tEmulatorOssSigner&Signature=abc',
    ReportStatus: 'COMPLETE',
    ReportCreateTimestamp: 1624330246640,
  },
});

const { values } = parseArgs({ options: { port: { type: 'string', default: '8081' }, host: { type: 'string', default: '127.0.0.1' }, body: { type: 'string' } } });
const body = values.body ? readFileSync(values.body, 'utf8') : DEFAULT_BODY;

const app = Fastify({ logger: false });
const handler = async (_req: unknown, reply: FastifyReply) => reply.type('application/json;charset=utf-8').send(body);
app.get('/', handler);
app.post('/', handler);

await app.listen({ host: values.host, port: Number(values.port) });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
