// Helpers shared by the picker tests.
import type { Picker } from '../../../shared/scheduling/index.js';
import { cycle, request, scored, worker } from './fixtures.js';

export const [a, b, c] = [worker('a'), worker('b'), worker('c')];

/** How often each worker is picked over `n` draws with a seeded RNG. */
export function counts(picker: Picker, entries: ReadonlyArray<readonly [typeof a, number]>, n = 3000): Record<string, number> {
  const cyc = cycle(
    request(),
    entries.map(([w]) => w),
    {},
    { seed: 42 },
  );
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const id = picker.pick(cyc, scored(entries)).id;
    out[id] = (out[id] ?? 0) + 1;
  }
  return out;
}
