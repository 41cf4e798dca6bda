// The ingress against a NATS server with the default max_payload (1 MiB): the body limit (8 MiB) cannot
// travel in one message, so the ingress lowers it to fit, says so at start-up, and answers 413 above it
// (issue 14: such bodies got 500 internal_error).
import assert from 'node:assert/strict';
import { IngressService, NATS_MESSAGE_HEADROOM } from '../../services/ingress/ingress-service.js';
import { useNatsServer } from '../support/nats-server.js';
import { testLogger } from '../support/quiet-logger.js';

describe('ingress body limit within the NATS max_payload', function () {
  this.timeout(30_000);
  const nats = useNatsServer();
  let ingress: IngressService;

  before(async () => {
    ingress = await IngressService.start({
      natsUrl: nats.url,
      logger: testLogger('ingress'),
      http: { port: 0, host: '127.0.0.1', maxBodyBytes: 8 * 1024 * 1024 },
      limits: { maxTokensLimit: 4096, defaultCompletionMaxTokens: 16, defaultChatMaxTokens: 64 },
    });
  });
  after(async () => ingress?.close());

  it('answers 413 request_too_large, in the OpenAI format, for a body the NATS server could not carry', async () => {
    const maxPayload = ingress.nc.info!.max_payload;
    assert.equal(maxPayload, 1024 * 1024, "nats-server's default");
    const res = await fetch(`http://127.0.0.1:${ingress.port}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', prompt: 'x'.repeat(maxPayload - NATS_MESSAGE_HEADROOM + 10) }),
    });
    assert.equal(res.status, 413);
    const body = (await res.json()) as { error: { code: string; type: string; message: string } };
    assert.equal(body.error.code, 'request_too_large');
    assert.equal(body.error.type, 'invalid_request_error');
    assert.match(body.error.message, new RegExp(`larger than ${maxPayload - NATS_MESSAGE_HEADROOM} bytes`));
  });
});
