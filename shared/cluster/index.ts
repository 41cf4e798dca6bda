// Runs the whole system as local processes: nats-server and every service (npm start, benchmarks, tests).
export { LocalCluster } from './local-cluster.js';
export type { LocalClusterOptions } from './local-cluster.js';
