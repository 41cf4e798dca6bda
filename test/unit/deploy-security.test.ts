// The deployment files carry the security defaults (issue 14): NATS started with the generated users and
// permissions, every service connecting as its own user (workers as worker-<id>), NATS not published
// beyond the host. Checked by parsing the files (no docker or cluster needed).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

type Env = Record<string, string>;
interface ComposeService {
  command?: string[];
  environment?: Env;
  ports?: string[];
  volumes?: string[];
}

describe('deployment security defaults', () => {
  describe('docker-compose.yml', () => {
    const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as { services: Record<string, ComposeService> };
    const services = Object.entries(compose.services);
    const atc = services.filter(([, s]) => s.command?.some((c) => c.startsWith('dist/services/')));

    it('starts nats-server with the generated configuration and publishes it on loopback only', () => {
      const nats = compose.services['nats']!;
      assert.ok(nats.command?.includes('-c'));
      assert.ok(
        nats.ports?.every((p) => p.startsWith('127.0.0.1:')),
        String(nats.ports),
      );
    });

    it('connects every service as its own NATS user, workers as worker-<id>, with a generated password', () => {
      const workerIds: string[] = [];
      assert.ok(atc.length >= 4);
      for (const [name, s] of atc) {
        const env = s.environment ?? {};
        assert.ok(env['ATC_NATS_USER'], `${name} has a NATS user`);
        assert.equal(env['ATC_NATS_PASSWORD_FILE'], `/etc/atc/nats/${env['ATC_NATS_USER']}.password`, name);
        if (env['ATC_WORKER_ID']) {
          assert.equal(env['ATC_NATS_USER'], `worker-${env['ATC_WORKER_ID']}`, name);
          workerIds.push(env['ATC_WORKER_ID']);
        }
      }
      const cmd = compose.services['nats-config']!.command!;
      assert.deepEqual(cmd[cmd.indexOf('--workers') + 1]!.split(',').sort(), workerIds.sort(), 'one NATS user per worker');
    });
  });

  describe('deploy/kubernetes', () => {
    const dir = 'deploy/kubernetes';
    const docs = readdirSync(dir).flatMap((f) =>
      parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as Record<string, any>),
    );
    const workloads = docs.filter((d) => d['kind'] === 'Deployment' || d['kind'] === 'StatefulSet');

    it('starts nats-server with the configuration from the atc-nats Secret', () => {
      const nats = workloads.find((d) => d['metadata'].name === 'nats')!;
      assert.ok(nats['spec'].template.spec.containers[0].args.includes('-c'));
      assert.ok(nats['spec'].template.spec.volumes.some((v: any) => v.secret?.secretName === 'atc-nats'));
    });

    it('connects every llm-atc container as its own user; workers run as a StatefulSet (stable ids)', () => {
      let containers = 0;
      for (const w of workloads) {
        for (const c of w['spec'].template.spec.containers) {
          if (!(c.command ?? []).some((x: string) => x.startsWith('dist/services/'))) continue;
          containers++;
          const env = Object.fromEntries((c.env as Array<{ name: string; value?: string }>).map((e) => [e.name, e.value]));
          assert.ok(env['ATC_NATS_USER'], `${w['metadata'].name} has a NATS user`);
          assert.equal(env['ATC_NATS_PASSWORD_FILE'], `/etc/atc/nats/${env['ATC_NATS_USER']}.password`);
          assert.ok(w['spec'].template.spec.volumes.some((v: any) => v.secret?.secretName === 'atc-nats'));
          if ('ATC_WORKER_ID' in env) {
            assert.equal(env['ATC_NATS_USER'], 'worker-$(ATC_WORKER_ID)');
            assert.equal(w['kind'], 'StatefulSet');
          }
        }
      }
      assert.ok(containers >= 4);
    });
  });
});
