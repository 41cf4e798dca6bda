// Usage text generated from option declarations, so that --help, the benchmark listing and validation
// never disagree.
import { OptionKind, type OptionSpec, type OptionSpecs } from './option-spec.js';
import { rangeText } from './option-values.js';

/** The value placeholder after a flag: "<integer in [0, 65535]>", "<decode|prefill>"; none for a boolean. */
function placeholder(spec: OptionSpec<unknown>): string {
  const range = rangeText(spec);
  switch (spec.kind) {
    case OptionKind.Boolean:
      return '';
    case OptionKind.Choice:
      return ` <${(spec.choices ?? []).join('|')}>`;
    case OptionKind.List:
      return ` <${spec.item ?? OptionKind.String},...${range === '' || spec.item === OptionKind.String ? '' : ` ${range}`}>`;
    case OptionKind.Integer:
    case OptionKind.Number:
      return ` <${spec.kind}${range === '' ? '' : ` ${range}`}>`;
    default:
      return ` <${spec.kind}>`;
  }
}

function defaultText(value: unknown): string | undefined {
  if (value === undefined || value === false || value === '') return undefined;
  if (Array.isArray(value)) return value.join(',');
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

/** One line per option: "  --port <integer in [0, 65535]>  HTTP port (env ATC_HTTP_PORT; default: 8080)". */
export function optionLines(specs: OptionSpecs, indent = '  '): string {
  return Object.values(specs)
    .map((spec) => {
      const d = spec.defaultDoc ?? defaultText(spec.default);
      const notes = [spec.env !== undefined ? `env ${spec.env}` : undefined, d !== undefined ? `default: ${d}` : undefined].filter(
        (x) => x !== undefined,
      );
      return `${indent}--${spec.flag}${placeholder(spec)}  ${spec.doc}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
    })
    .join('\n');
}

/** The whole --help text of a command. */
export function usage(command: string, specs: OptionSpecs): string {
  const hasEnv = Object.values(specs).some((s) => s.env !== undefined);
  return (
    [
      `usage: ${command} [options]`,
      hasEnv ? 'options (a flag wins over its environment variable, the variable over the default):' : 'options:',
      optionLines(specs),
      '  --help, -h  this text',
    ].join('\n') + '\n'
  );
}
