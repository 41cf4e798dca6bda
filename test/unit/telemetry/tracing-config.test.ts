import assert from 'node:assert/strict';
import { TracingConfigError, parseResourceAttributes, tracingConfigFromEnv } from '../../../shared/telemetry/index.js';

describe('telemetry: tracing configuration from OTEL_*', () => {
  it('decides whether tracing is on, and with which exporters', () => {
    const rows: Array<[why: string, env: Record<string, string>, exporters: string[]]> = [
      ['nothing configured: off (our deliberate default, so untraced services pay nothing)', {}, []],
      ['an endpoint alone turns OTLP on', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, ['otlp']],
      ['a traces endpoint alone turns OTLP on', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, ['otlp']],
      ['otlp named, default endpoint', { OTEL_TRACES_EXPORTER: 'otlp' }, ['otlp']],
      ['a list, deduplicated', { OTEL_TRACES_EXPORTER: 'otlp, console,otlp' }, ['otlp', 'console']],
      ['none wins over an endpoint', { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, []],
      ['the SDK switched off', { OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }, []],
      ['blank values count as unset', { OTEL_TRACES_EXPORTER: ' ', OTEL_EXPORTER_OTLP_ENDPOINT: '' }, []],
    ];
    for (const [why, env, exporters] of rows) assert.deepEqual(tracingConfigFromEnv('svc', env).exporters, exporters, why);
  });

  it('builds the OTLP traces URL', () => {
    const rows: Array<[why: string, env: Record<string, string>, url: string]> = [
      ['spec default', { OTEL_TRACES_EXPORTER: 'otlp' }, 'http://localhost:4318/v1/traces'],
      ['the generic endpoint gets the signal path appended', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, 'http://c:4318/v1/traces'],
      ['... also under a base path', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/otel/' }, 'http://c:4318/otel/v1/traces'],
      [
        'the traces endpoint is used as is',
        { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:9/custom', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:1' },
        'http://c:9/custom',
      ],
    ];
    for (const [why, env, url] of rows) assert.equal(tracingConfigFromEnv('svc', env).otlpUrl, url, why);
  });

  it('reads protocol, sampler and service name', () => {
    const rows: Array<[why: string, env: Record<string, string>, expected: Record<string, unknown>]> = [
      [
        'defaults: http/protobuf (spec default), parentbased_always_on, the given name',
        {},
        { protocol: 'http/protobuf', sampler: 'parentbased_always_on', ratio: 1, service: 'svc' },
      ],
      [
        'traces protocol wins over the generic one',
        { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' },
        { protocol: 'http/json' },
      ],
      ['generic protocol', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, { protocol: 'http/json' }],
      [
        'ratio sampler with its argument',
        { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' },
        { sampler: 'parentbased_traceidratio', ratio: 0.25 },
      ],
      [
        'OTEL_SERVICE_NAME overrides everything',
        { OTEL_SERVICE_NAME: 'ingress-eu', OTEL_RESOURCE_ATTRIBUTES: 'service.name=x' },
        { service: 'ingress-eu' },
      ],
      [
        'service.name in resource attributes overrides the given name',
        { OTEL_RESOURCE_ATTRIBUTES: 'service.name=x,deployment.environment=prod' },
        { service: 'x', resource: { 'deployment.environment': 'prod' } },
      ],
    ];
    for (const [why, env, expected] of rows) {
      const c = tracingConfigFromEnv('svc', env);
      const actual: Record<string, unknown> = {
        protocol: c.otlpProtocol,
        sampler: c.sampler.name,
        ratio: c.sampler.ratio,
        service: c.serviceName,
        resource: c.resourceAttributes,
      };
      for (const [key, value] of Object.entries(expected)) assert.deepEqual(actual[key], value, `${why}: ${key}`);
    }
  });

  it('fails fast on bad values, naming the variable', () => {
    const rows: Array<[env: Record<string, string>, variable: string]> = [
      [{ OTEL_TRACES_EXPORTER: 'zipkin' }, 'OTEL_TRACES_EXPORTER'],
      [{ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' }, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'],
      [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'http' }, 'OTEL_EXPORTER_OTLP_PROTOCOL'],
      [{ OTEL_TRACES_SAMPLER: 'sometimes' }, 'OTEL_TRACES_SAMPLER'],
      [{ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' }, 'OTEL_TRACES_SAMPLER_ARG'],
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }, 'OTEL_EXPORTER_OTLP_ENDPOINT'],
      [{ OTEL_RESOURCE_ATTRIBUTES: 'novalue' }, 'OTEL_RESOURCE_ATTRIBUTES'],
    ];
    for (const [env, variable] of rows) {
      assert.throws(
        () => tracingConfigFromEnv('svc', env),
        (err: unknown) => err instanceof TracingConfigError && err.message.startsWith(variable),
        variable,
      );
    }
  });

  it('percent-decodes resource attribute values', () => {
    assert.deepEqual(parseResourceAttributes('a=x%2Cy, b = 2 ,'), { a: 'x,y', b: '2' });
  });
});
