// Keeps workers that can play a role: 'decode' keeps decode and both; 'prefill' keeps prefill and both.
// Reads: WorkerSnapshot.role.
import type { PluginFactory } from '../../config/plugin-factory.js';
import type { SchedulingCycle } from '../../cycle.js';
import { PluginKind, type StateKey, type Filter } from '../../framework.js';
import { WorkerRole, type WorkerSnapshot } from '../../types.js';

export const ROLE_FILTER_TYPE = 'role-filter';

export class RoleFilter implements Filter {
  readonly type = ROLE_FILTER_TYPE;
  readonly kind = PluginKind.Filter;
  readonly consumes: readonly StateKey[] = [];
  constructor(
    readonly name: string,
    readonly role: typeof WorkerRole.Decode | typeof WorkerRole.Prefill,
  ) {}

  filter(_cycle: SchedulingCycle, workers: readonly WorkerSnapshot[]): readonly WorkerSnapshot[] {
    return workers.filter((w) => w.role === this.role || w.role === WorkerRole.Both);
  }
}

export const roleFilterFactory: PluginFactory = {
  type: ROLE_FILTER_TYPE,
  kind: PluginKind.Filter,
  create(name, params) {
    const role = params.oneOf('role', [WorkerRole.Decode, WorkerRole.Prefill], WorkerRole.Decode);
    params.done();
    return new RoleFilter(name, role);
  },
};
