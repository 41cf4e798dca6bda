import assert from 'node:assert/strict';
import { assertWorkerId, eventSubjects, workerIdOfEventSubject, workerSubjects } from '../../../shared/protocol/index.js';

describe('subjects', () => {
  it('builds per-worker subjects', () => {
    assert.equal(workerSubjects.generate('decode-1'), 'atc.worker.decode-1.generate');
    assert.equal(workerSubjects.cancel('d_2'), 'atc.worker.d_2.cancel');
    assert.equal(eventSubjects.kv('w'), 'atc.events.kv.w');
  });
  // Ids become subject tokens: a dot, a wildcard or a space would change which subscribers match.
  for (const bad of ['', 'a.b', 'a*', '>', 'a b', 'x'.repeat(65)]) {
    it(`rejects worker id ${JSON.stringify(bad)}`, () => {
      assert.throws(() => assertWorkerId(bad), TypeError);
      assert.throws(() => workerSubjects.generate(bad), TypeError);
    });
  }
  it('reads the worker id back from an event subject', () => {
    assert.equal(workerIdOfEventSubject(eventSubjects.load('decode-7')), 'decode-7');
    assert.equal(workerIdOfEventSubject('atc.events.load.'), undefined);
  });
});
