export { connectNats } from './connection.js';
export type { ConnectOptions } from './connection.js';
export { guarded } from './guarded-callback.js';
export { InboxStream, InboxTimeoutError } from './inbox-stream.js';
export { freePort, natsServerBinary, startNatsCluster, startNatsServer } from './nats-server-process.js';
export type { NatsServerHandle, NatsServerOptions } from './nats-server-process.js';
export { KvBucket, isMissingStore, listKeys } from './kv-bucket.js';
export type { BucketSpec } from './kv-bucket.js';
