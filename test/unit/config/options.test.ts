import assert from 'node:assert/strict';
import { HelpRequested, OptionsError, option, parseOptions, usage } from '../../../shared/config/index.js';

const specs = {
  port: option.integer({ flag: 'port', env: 'T_PORT', min: 0, max: 65535, default: 8080, doc: 'port' }),
  count: option.integer({ flag: 'count', env: 'T_COUNT', min: 1, doc: 'how many' }),
  ratio: option.number({ flag: 'ratio', env: 'T_RATIO', min: 0, exclusiveMin: true, default: 0.5, doc: 'a ratio' }),
  delay: option.number({ flag: 'delay', min: 0, default: 2, doc: 'ms' }),
  quiet: option.boolean({ flag: 'quiet', env: 'T_QUIET', doc: 'no output' }),
  role: option.choice({ flag: 'role', env: 'T_ROLE', choices: ['decode', 'prefill'], default: 'decode', doc: 'role' }),
  name: option.string({ flag: 'name', env: 'T_NAME', default: 'x', doc: 'name' }),
  rates: option.list({ flag: 'rates', env: 'T_RATES', item: 'number', min: 0, exclusiveMin: true, default: [1, 2], doc: 'rates' }),
  tags: option.list({ flag: 'tags', env: 'T_TAGS', doc: 'tags' }),
};

const DEFAULTS = {
  port: 8080,
  count: undefined,
  ratio: 0.5,
  delay: 2,
  quiet: false,
  role: 'decode',
  name: 'x',
  rates: [1, 2],
  tags: undefined,
};

describe('options', () => {
  it('types the values from the declarations', () => {
    // A compile-time check as much as a run-time one: each key has its declared type.
    const o = parseOptions(specs, []);
    const typed: {
      port: number;
      count: number | undefined;
      ratio: number;
      delay: number;
      quiet: boolean;
      role: 'decode' | 'prefill';
      name: string;
      rates: number[];
      tags: string[] | undefined;
    } = { ...o };
    assert.deepEqual(typed, DEFAULTS);
  });

  const rows: Array<[what: string, argv: string[], env: Record<string, string>, expected: Record<string, unknown>]> = [
    ['defaults', [], {}, {}],
    [
      'env over default',
      [],
      { T_PORT: '9000', T_RATIO: '1e-3', T_QUIET: '1', T_ROLE: 'prefill', T_NAME: 'y', T_RATES: '3', T_TAGS: 'a,b' },
      { port: 9000, ratio: 0.001, quiet: true, role: 'prefill', name: 'y', rates: [3], tags: ['a', 'b'] },
    ],
    [
      'flag over env',
      ['--port', '1', '--role', 'decode', '--name', 'z', '--rates', '5'],
      { T_PORT: '9000', T_ROLE: 'prefill', T_NAME: 'y', T_RATES: '3' },
      { port: 1, role: 'decode', name: 'z', rates: [5] },
    ],
    ['a boolean flag over a false variable', ['--quiet'], { T_QUIET: 'false' }, { quiet: true }],
    ['a variable can say false', [], { T_QUIET: '0' }, { quiet: false }],
    ['--flag=value form', ['--role=prefill', '--count=3'], {}, { role: 'prefill', count: 3 }],
    ['empty variable is unset', [], { T_NAME: '', T_PORT: '' }, {}],
    ['an empty string flag value is a value', ['--name='], { T_NAME: 'y' }, { name: '' }],
    ['list items trimmed, blanks dropped', ['--rates', ' 1.5, 2,,3 '], {}, { rates: [1.5, 2, 3] }],
    ['the last of a repeated flag wins', ['--port', '1', '--port', '2'], {}, { port: 2 }],
    ['bounds are inclusive', ['--port', '65535', '--delay', '0'], {}, { port: 65535, delay: 0 }],
  ];
  for (const [what, argv, env, expected] of rows)
    it(what, () => assert.deepEqual(parseOptions(specs, argv, env), { ...DEFAULTS, ...expected }));

  // Each kind's bad values, from the flag and from the variable: the message names where the value came
  // from and what it must be.
  const errors: Array<[what: string, argv: string[], env: Record<string, string>, message: string]> = [
    ['integer out of range (flag)', ['--port', '70000'], {}, '--port must be an integer in [0, 65535], got "70000"'],
    ['integer not a number (variable)', [], { T_PORT: 'abc' }, 'T_PORT must be an integer in [0, 65535], got "abc"'],
    ['integer with a fraction', ['--count', '1.5'], {}, '--count must be an integer >= 1, got "1.5"'],
    ['integer below its minimum (variable)', [], { T_COUNT: '0' }, 'T_COUNT must be an integer >= 1, got "0"'],
    ['integer left empty', ['--port='], {}, '--port must be an integer in [0, 65535], got ""'],
    ['number at an exclusive minimum', ['--ratio', '0'], {}, '--ratio must be a number > 0, got "0"'],
    ['number not a number (variable)', [], { T_RATIO: 'half' }, 'T_RATIO must be a number > 0, got "half"'],
    ['number below its minimum', ['--delay=-1'], {}, '--delay must be a number >= 0, got "-1"'],
    ['number infinite', ['--delay', 'Infinity'], {}, '--delay must be a number >= 0, got "Infinity"'],
    ['boolean variable neither 1/true nor 0/false', [], { T_QUIET: 'yes' }, 'T_QUIET must be a boolean (1, true, 0 or false), got "yes"'],
    ['boolean flag given a value', ['--quiet=1'], {}, "Option '--quiet' does not take an argument (--help lists the options)"],
    ['choice not among the choices (flag)', ['--role', 'boss'], {}, '--role must be one of decode, prefill, got "boss"'],
    ['choice not among the choices (variable)', [], { T_ROLE: 'Decode' }, 'T_ROLE must be one of decode, prefill, got "Decode"'],
    ['list with a bad item (flag)', ['--rates', '1,x'], {}, '--rates must be a comma-separated list of numbers > 0, got "1,x"'],
    [
      'list with an item out of range (variable)',
      [],
      { T_RATES: '1,0' },
      'T_RATES must be a comma-separated list of numbers > 0, got "1,0"',
    ],
    ['list with no item', ['--tags', ' , '], {}, '--tags must be a comma-separated list of strings, got " , "'],
    [
      'a bad variable even when the flag overrides it',
      ['--port', '1'],
      { T_PORT: 'abc' },
      'T_PORT must be an integer in [0, 65535], got "abc"',
    ],
    ['unknown flag', ['--nope', '1'], {}, "Unknown option '--nope' (--help lists the options)"],
    ['missing value', ['--port'], {}, "Option '--port <value>' argument missing (--help lists the options)"],
    [
      'a stray argument',
      ['extra'],
      {},
      "Unexpected argument 'extra'. This command does not take positional arguments (--help lists the options)",
    ],
  ];
  for (const [what, argv, env, message] of errors) {
    it(`refuses ${what}`, () =>
      assert.throws(
        () => parseOptions(specs, argv, env),
        (e: unknown) => (e instanceof OptionsError && e.message === message ? true : assert.fail(String(e))),
      ));
  }

  for (const flag of ['--help', '-h']) {
    it(`${flag}: usage generated from the declarations`, () => {
      assert.throws(
        () => parseOptions(specs, ['--port', '1', flag], { T_PORT: '2' }, { command: 'svc' }),
        (e: unknown) => e instanceof HelpRequested && e.text === usage('svc', specs),
      );
    });
  }

  it('usage names each flag, its value, variable and default', () => {
    const text = usage('svc', specs);
    assert.match(text, /^usage: svc \[options\]\n/);
    for (const line of [
      '  --port <integer in [0, 65535]>  port (env T_PORT; default: 8080)',
      '  --count <integer >= 1>  how many (env T_COUNT)',
      '  --ratio <number > 0>  a ratio (env T_RATIO; default: 0.5)',
      '  --quiet  no output (env T_QUIET)',
      '  --role <decode|prefill>  role (env T_ROLE; default: decode)',
      '  --rates <number,... > 0>  rates (env T_RATES; default: 1,2)',
      '  --tags <string,...>  tags (env T_TAGS)',
      '  --help, -h  this text',
    ])
      assert.ok(text.split('\n').includes(line), `${line}\nnot in\n${text}`);
  });

  it('refuses a flag declared twice or as --help (a declaration mistake)', () => {
    assert.throws(
      () => parseOptions({ a: option.string({ flag: 'x', doc: '' }), b: option.string({ flag: 'x', doc: '' }) }, []),
      /--x is declared twice/,
    );
    assert.throws(() => parseOptions({ a: option.boolean({ flag: 'help', doc: '' }) }, []), /--help/);
  });
});
