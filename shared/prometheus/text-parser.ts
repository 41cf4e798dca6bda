// Prometheus text exposition format 0.0.4 (prometheus.io/docs/instrumenting/exposition_formats), parsed
// into metric families: how VllmEngine reads vLLM's /metrics, and how tests read ours. Writing the format
// is prom-client's job (each service's Registry).
import { MetricType, type MetricFamily, type MetricSample } from './parsed-metrics.js';

export class PrometheusParseError extends Error {
  override name = 'PrometheusParseError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/** Suffixes a sample may add to its family name (histogram, summary, counter, OpenMetrics). */
const SAMPLE_SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created', '_info', '_gsum', '_gcount'] as const;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

interface MutableFamily {
  name: string;
  type: MetricType;
  help: string;
  samples: MetricSample[];
}

export function parsePrometheusText(text: string): MetricFamily[] {
  const families = new Map<string, MutableFamily>();
  const family = (name: string): MutableFamily => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type: MetricType.Untyped, help: '', samples: [] }));
    return f;
  };
  const lines = text.split('\n');
  lines.forEach((rawLine, index) => {
    const line = rawLine.replace(/\r$/, '');
    const lineNo = index + 1;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const match = /^#\s*(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\s(.*))?$/.exec(line);
      if (!match) return; // a plain comment
      const [, keyword, name, rest = ''] = match;
      if (keyword === 'HELP') family(name!).help = unescapeHelp(rest);
      else {
        const type = rest.trim();
        if (!(Object.values(MetricType) as string[]).includes(type))
          throw new PrometheusParseError(`unknown metric type '${type}'`, lineNo);
        family(name!).type = type as MetricType;
      }
      return;
    }
    const sample = parseSampleLine(line, lineNo);
    family(familyNameOf(sample.name, families)).samples.push(sample);
  });
  return [...families.values()];
}

function familyNameOf(sampleName: string, families: Map<string, MutableFamily>): string {
  if (families.has(sampleName)) return sampleName;
  for (const suffix of SAMPLE_SUFFIXES) {
    if (sampleName.endsWith(suffix) && families.has(sampleName.slice(0, -suffix.length))) {
      return sampleName.slice(0, -suffix.length);
    }
  }
  return sampleName;
}

function parseSampleLine(line: string, lineNo: number): MetricSample {
  const nameMatch = METRIC_NAME.exec(line);
  if (!nameMatch) throw new PrometheusParseError('expected a metric name', lineNo);
  const name = nameMatch[0];
  let pos = name.length;
  const labels: Record<string, string> = {};
  if (line[pos] === '{') {
    pos += 1;
    for (;;) {
      while (line[pos] === ' ' || line[pos] === ',') pos += 1;
      if (line[pos] === '}') {
        pos += 1;
        break;
      }
      const labelMatch = LABEL_NAME.exec(line.slice(pos));
      if (!labelMatch) throw new PrometheusParseError(`bad label name in '${line}'`, lineNo);
      pos += labelMatch[0].length;
      while (line[pos] === ' ') pos += 1;
      if (line[pos] !== '=' || line[pos + 1] !== '"')
        throw new PrometheusParseError(`expected ="value" after label ${labelMatch[0]}`, lineNo);
      pos += 2;
      let value = '';
      for (;;) {
        const ch = line[pos];
        if (ch === undefined) throw new PrometheusParseError('unterminated label value', lineNo);
        pos += 1;
        if (ch === '"') break;
        if (ch === '\\') {
          const next = line[pos];
          pos += 1;
          value += next === 'n' ? '\n' : next === '"' ? '"' : next === '\\' ? '\\' : `\\${next ?? ''}`;
        } else value += ch;
      }
      labels[labelMatch[0]] = value;
    }
  }
  const rest = line.slice(pos).trim().split(/\s+/);
  if (rest.length < 1 || rest.length > 2 || rest[0] === '')
    throw new PrometheusParseError(`expected 'value [timestamp]' in '${line}'`, lineNo);
  const value = parseValue(rest[0]!, lineNo);
  const sample: MetricSample = { name, labels, value };
  if (rest[1] !== undefined) {
    const timestampMs = Number(rest[1]);
    if (!Number.isInteger(timestampMs)) throw new PrometheusParseError(`bad timestamp '${rest[1]}'`, lineNo);
    return { ...sample, timestampMs };
  }
  return sample;
}

/**
 * Special values in any case, as Prometheus reads them (Go's ParseFloat): prom-client writes NaN as 'Nan',
 * prometheus_client (vLLM) as 'NaN'.
 */
function parseValue(token: string, lineNo: number): number {
  const special = token.toLowerCase();
  if (special === '+inf' || special === 'inf') return Infinity;
  if (special === '-inf') return -Infinity;
  if (special === 'nan') return NaN;
  const value = Number(token);
  if (Number.isNaN(value)) throw new PrometheusParseError(`bad sample value '${token}'`, lineNo);
  return value;
}

function unescapeHelp(text: string): string {
  return text.replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
}
