// Tracing configuration from the standard OTEL_* environment variables
// (opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables, .../protocol/exporter).
// One deliberate difference from the SDK defaults: with no exporter and no endpoint named, tracing is
// OFF (the spec's default exporter is otlp), so a service nobody traces pays nothing.

export const TraceExporterKind = { Otlp: 'otlp', Console: 'console' } as const;
export type TraceExporterKind = (typeof TraceExporterKind)[keyof typeof TraceExporterKind];

export const OtlpProtocol = { HttpProtobuf: 'http/protobuf', HttpJson: 'http/json' } as const;
export type OtlpProtocol = (typeof OtlpProtocol)[keyof typeof OtlpProtocol];

export const SamplerName = {
  AlwaysOn: 'always_on',
  AlwaysOff: 'always_off',
  TraceIdRatio: 'traceidratio',
  ParentBasedAlwaysOn: 'parentbased_always_on',
  ParentBasedAlwaysOff: 'parentbased_always_off',
  ParentBasedTraceIdRatio: 'parentbased_traceidratio',
} as const;
export type SamplerName = (typeof SamplerName)[keyof typeof SamplerName];

export interface SamplerConfig {
  readonly name: SamplerName;
  /** Sampled fraction in [0,1]; used by the ratio samplers only. */
  readonly ratio: number;
}

export interface TracingConfig {
  readonly serviceName: string;
  /** Empty: tracing off (OTEL_SDK_DISABLED=true, OTEL_TRACES_EXPORTER=none, or nothing configured). */
  readonly exporters: readonly TraceExporterKind[];
  /** Full URL the OTLP exporter POSTs to, e.g. http://localhost:4318/v1/traces. */
  readonly otlpUrl: string;
  readonly otlpProtocol: OtlpProtocol;
  readonly sampler: SamplerConfig;
  /** From OTEL_RESOURCE_ATTRIBUTES (service.name excluded: see serviceName). */
  readonly resourceAttributes: Readonly<Record<string, string>>;
}

export class TracingConfigError extends Error {
  override name = 'TracingConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

/** The spec's default OTLP/HTTP endpoint. */
const DEFAULT_OTLP_BASE = 'http://localhost:4318';

const get = (env: Env, key: string): string | undefined => {
  const value = env[key]?.trim();
  return value === undefined || value === '' ? undefined : value;
};

function parseUrl(value: string, variable: string): string {
  try {
    return new URL(value).toString();
  } catch {
    throw new TracingConfigError(`${variable}: '${value}' is not a URL`);
  }
}

/** `key1=value1,key2=value2`, values percent-encoded (W3C baggage octets). */
export function parseResourceAttributes(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw === undefined) return out;
  for (const pair of raw.split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new TracingConfigError(`OTEL_RESOURCE_ATTRIBUTES: '${pair}' is not key=value`);
    out[pair.slice(0, eq).trim()] = decodeURIComponent(pair.slice(eq + 1).trim());
  }
  return out;
}

function parseSampler(env: Env): SamplerConfig {
  const name = (get(env, 'OTEL_TRACES_SAMPLER') ?? SamplerName.ParentBasedAlwaysOn).toLowerCase();
  if (!(Object.values(SamplerName) as string[]).includes(name)) {
    throw new TracingConfigError(`OTEL_TRACES_SAMPLER: '${name}' is not one of ${Object.values(SamplerName).join(', ')}`);
  }
  const rawRatio = get(env, 'OTEL_TRACES_SAMPLER_ARG');
  const ratio = rawRatio === undefined ? 1 : Number(rawRatio);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1)
    throw new TracingConfigError(`OTEL_TRACES_SAMPLER_ARG: '${rawRatio}' is not a number in [0,1]`);
  return { name: name as SamplerName, ratio };
}

function parseExporters(env: Env): TraceExporterKind[] | undefined {
  const raw = get(env, 'OTEL_TRACES_EXPORTER');
  if (raw === undefined) return undefined;
  const names = raw
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  if (names.includes('none')) return [];
  for (const name of names) {
    if (!(Object.values(TraceExporterKind) as string[]).includes(name)) {
      throw new TracingConfigError(`OTEL_TRACES_EXPORTER: '${name}' is not supported (otlp, console, none)`);
    }
  }
  return [...new Set(names)] as TraceExporterKind[];
}

function parseProtocol(env: Env): OtlpProtocol {
  const variable =
    get(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') !== undefined ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const raw = get(env, variable) ?? OtlpProtocol.HttpProtobuf;
  if (!(Object.values(OtlpProtocol) as string[]).includes(raw)) {
    throw new TracingConfigError(`${variable}: '${raw}' is not supported (http/protobuf, http/json)`);
  }
  return raw as OtlpProtocol;
}

function otlpUrl(env: Env): string {
  const signal = get(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  if (signal !== undefined) return parseUrl(signal, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  // The generic endpoint is a base URL: the signal path is appended (spec: exporter configuration).
  const base = get(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const variable = base === undefined ? 'default endpoint' : 'OTEL_EXPORTER_OTLP_ENDPOINT';
  const url = parseUrl(base ?? DEFAULT_OTLP_BASE, variable);
  return `${url.endsWith('/') ? url : `${url}/`}v1/traces`;
}

/**
 * Reads the tracing configuration; throws TracingConfigError naming the variable at fault. Every
 * variable is validated even when tracing is off, so a typo fails at startup, not when someone turns
 * tracing on.
 */
export function tracingConfigFromEnv(defaultServiceName: string, env: Env = process.env): TracingConfig {
  const resource = parseResourceAttributes(get(env, 'OTEL_RESOURCE_ATTRIBUTES'));
  const serviceName = get(env, 'OTEL_SERVICE_NAME') ?? resource['service.name'] ?? defaultServiceName;
  delete resource['service.name'];
  const endpointNamed =
    get(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') !== undefined || get(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') !== undefined;
  const requested = parseExporters(env) ?? (endpointNamed ? [TraceExporterKind.Otlp] : []);
  const disabled = get(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true';
  return {
    serviceName,
    exporters: disabled ? [] : requested,
    otlpUrl: otlpUrl(env),
    otlpProtocol: parseProtocol(env),
    sampler: parseSampler(env),
    resourceAttributes: resource,
  };
}
