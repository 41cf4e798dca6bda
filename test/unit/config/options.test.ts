import assert from 'node:assert/strict';
import { OptionsError, parseChoice, parseInteger, parseOptions, parseString } from '../../../shared/config/index.js';

const specs = {
  port: { flag: 'port', env: 'T_PORT', doc: 'port', default: 8080, parse: parseInteger(0, 65535) },
  role: { flag: 'role', env: 'T_ROLE', doc: 'role', default: 'decode', parse: parseChoice(['decode', 'prefill']) },
  name: { flag: 'name', env: 'T_NAME', doc: 'name', default: 'x', parse: parseString },
};

describe('options', () => {
  const rows: Array<[string, string[], Record<string, string>, object]> = [
    ['defaults', [], {}, { port: 8080, role: 'decode', name: 'x' }],
    ['env over default', [], { T_PORT: '9000' }, { port: 9000, role: 'decode', name: 'x' }],
    ['flag over env', ['--port', '1'], { T_PORT: '9000' }, { port: 1, role: 'decode', name: 'x' }],
    ['--flag=value form', ['--role=prefill'], {}, { port: 8080, role: 'prefill', name: 'x' }],
    ['empty env is unset', [], { T_NAME: '' }, { port: 8080, role: 'decode', name: 'x' }],
  ];
  for (const [name, argv, env, expected] of rows) it(name, () => assert.deepEqual(parseOptions(specs, argv, env), expected));

  const errors: Array<[string, string[], Record<string, string>, RegExp]> = [
    ['unknown flag', ['--nope', '1'], {}, /unknown option --nope/],
    ['bad integer in env', [], { T_PORT: 'abc' }, /T_PORT must be an integer/],
    ['out of range flag', ['--port', '70000'], {}, /--port must be an integer in \[0, 65535\]/],
    ['bad choice', ['--role', 'boss'], {}, /--role must be one of decode, prefill/],
    ['missing value', ['--port'], {}, /--port needs a value/],
  ];
  for (const [name, argv, env, re] of errors) {
    it(`fails on ${name}`, () => assert.throws(() => parseOptions(specs, argv, env), (e: unknown) => e instanceof OptionsError && re.test(e.message)));
  }
});
