import assert from 'node:assert/strict';
import { RealClock, VirtualClock } from '../../../shared/clock/index.js';

describe('VirtualClock', () => {
  it('fires timers in time order, ties in insertion order, and advances now()', () => {
    const clock = new VirtualClock();
    const fired: string[] = [];
    clock.setTimer(10, () => fired.push(`b@${clock.now()}`));
    clock.setTimer(5, () => fired.push(`a@${clock.now()}`));
    clock.setTimer(10, () => fired.push(`c@${clock.now()}`));
    clock.setTimer(0, () => fired.push(`z@${clock.now()}`));
    assert.equal(clock.run(), 4);
    // 0 before 5 before the two 10s; b was set before c so fires first.
    assert.deepEqual(fired, ['z@0', 'a@5', 'b@10', 'c@10']);
    assert.equal(clock.now(), 10);
  });

  it('cancelled timers never fire and do not count as pending', () => {
    const clock = new VirtualClock();
    let fired = 0;
    const cancel = clock.setTimer(1, () => fired++);
    clock.setTimer(2, () => fired++);
    cancel();
    cancel(); // idempotent
    assert.equal(clock.pendingTimers, 1);
    clock.run();
    assert.equal(fired, 1);
  });

  it('runs timers set by timers, relative to the firing time', () => {
    const clock = new VirtualClock(100);
    const times: number[] = [];
    clock.setTimer(5, () => {
      times.push(clock.now());
      clock.setTimer(5, () => times.push(clock.now()));
    });
    clock.run();
    assert.deepEqual(times, [105, 110]);
  });

  it('runUntil fires only due timers, then sets now() to the target', () => {
    const clock = new VirtualClock();
    const fired: number[] = [];
    for (const t of [3, 7, 12]) clock.setTimer(t, () => fired.push(t));
    const cancelled = clock.setTimer(1, () => fired.push(1));
    cancelled();
    assert.equal(clock.runUntil(10), 2);
    assert.deepEqual(fired, [3, 7]);
    assert.equal(clock.now(), 10);
    clock.run();
    assert.deepEqual(fired, [3, 7, 12]);
  });

  it('orders thousands of random timers like a stable sort', () => {
    const clock = new VirtualClock();
    const expected: { at: number; i: number }[] = [];
    const fired: number[] = [];
    let x = 12345;
    for (let i = 0; i < 5000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const at = x % 200; // many ties
      expected.push({ at, i });
      clock.setTimer(at, () => fired.push(i));
    }
    expected.sort((a, b) => a.at - b.at || a.i - b.i);
    clock.run();
    assert.deepEqual(
      fired,
      expected.map((e) => e.i),
    );
  });

  it('run() guards against runaway timers', () => {
    const clock = new VirtualClock();
    const rearm = (): void => {
      clock.setTimer(1, rearm);
    };
    rearm();
    assert.throws(() => clock.run(100), /more than 100 events/);
  });
});

describe('RealClock', () => {
  it('reports epoch ms and fires timers; cancel prevents firing', async () => {
    const clock = new RealClock();
    // Epoch ms: within a minute of Date.now().
    assert.ok(Math.abs(clock.now() - Date.now()) < 60_000);
    let cancelledFired = false;
    clock.setTimer(1, () => {
      cancelledFired = true;
    })();
    const fired = await new Promise<boolean>((resolve) => clock.setTimer(2, () => resolve(true)));
    assert.equal(fired, true);
    assert.equal(cancelledFired, false);
  });
});
