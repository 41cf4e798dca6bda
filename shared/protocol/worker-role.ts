// What a worker does for the fleet: one vocabulary for the registry, the wire and the scheduling core.
export const WorkerRole = { Decode: 'decode', Prefill: 'prefill', Both: 'both' } as const;
export type WorkerRole = (typeof WorkerRole)[keyof typeof WorkerRole];
