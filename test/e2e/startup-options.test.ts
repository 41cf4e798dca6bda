// Every entry point parses its options before it connects anywhere: a bad variable or flag stops the
// process at once with exit code 2 and a line naming it; --help prints the usage and exits 0. No NATS
// server is needed: the processes never get that far.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(script: string, args: readonly string[], env: Record<string, string>): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(DIST, script), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('options at start-up', function () {
  this.timeout(20_000);

  // One process per entry point (each takes ~0.7 s of CPU to load); the parser's cases are unit tests.
  const refused: Array<[script: string, args: string[], env: Record<string, string>, stderr: string]> = [
    [
      'services/decode-worker/main.js',
      [],
      { ATC_WORKER_TTL_MS: 'abc' },
      'decode-worker: ATC_WORKER_TTL_MS must be an integer in [300, 2147483647], got "abc"\n',
    ],
    [
      'services/ingress/main.js',
      [],
      { ATC_LOG_PROMPTS: 'yes' },
      'ingress: ATC_LOG_PROMPTS must be a boolean (1, true, 0 or false), got "yes"\n',
    ],
    // A model tokenizer is loaded at start-up, not at the first request.
    [
      'services/scheduler/main.js',
      [],
      { ATC_TOKENIZER_PATH: '/no/such/tokenizer' },
      'scheduler: tokenizer path /no/such/tokenizer does not exist\n',
    ],
    ['services/vllm-sim/main.js', ['--port', 'x'], {}, 'vllm-sim: --port must be an integer in [0, 65535], got "x"\n'],
    // npm start checks the services' own variables before it starts any of them.
    [
      'scripts/start.js',
      [],
      { ATC_KV_HANDOFF_TTL_MS: '10' },
      'start: ATC_KV_HANDOFF_TTL_MS must be an integer in [1000, 2147483647], got "10"\n',
    ],
    // A delay beyond Node's timer limit (2^31-1 ms) would fire at once: every request would time out.
    [
      'services/ingress/main.js',
      ['--request-timeout-ms', '3000000000'],
      {},
      'ingress: --request-timeout-ms must be an integer in [1000, 2147483647], got "3000000000"\n',
    ],
  ];

  it('refuses a bad variable or flag of every entry point, naming it, before doing anything', async () => {
    const exits = await Promise.all(refused.map(([script, args, env]) => run(script, args, env)));
    refused.forEach(([script, args, env, stderr], i) => {
      const what = `${script} ${args.join(' ')} ${JSON.stringify(env)}`;
      assert.equal(exits[i]!.stderr, stderr, what);
      assert.equal(exits[i]!.code, 2, what);
    });
  });

  it('--help prints the usage from the declarations and exits 0', async () => {
    const worker = await run('services/prefill-worker/main.js', ['--help'], { ATC_WORKER_TTL_MS: '9000' });
    assert.equal(worker.code, 0, worker.stderr);
    assert.match(worker.stdout, /^usage: prefill-worker \[options\]\n/);
    assert.ok(
      worker.stdout.includes(
        "  --worker-ttl-ms <integer in [300, 2147483647]>  ms a worker's registry entry outlives its last heartbeat (the bucket's creator sets it) (env ATC_WORKER_TTL_MS; default: 6000)\n",
      ),
      worker.stdout,
    );
    assert.ok(
      worker.stdout.includes('  --role <decode|prefill|both>  what the worker serves (env ATC_WORKER_ROLE; default: prefill)\n'),
      worker.stdout,
    );
  });
});
