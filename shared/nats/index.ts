export { connectNats } from './connection.js';
export { natsAuthOptions } from './connection.js';
export type { ConnectOptions, NatsCredentials } from './connection.js';
export { guarded } from './guarded-callback.js';
export { InboxStream, InboxStreams, InboxTimeoutError, type StreamMsg } from './inbox-stream.js';
export { freePort, natsServerBinary, portIsFree, startNatsCluster, startNatsServer } from './nats-server-process.js';
export type { NatsServerHandle, NatsServerOptions } from './nats-server-process.js';
export {
  INGRESS_USER,
  NatsRole,
  authorizationBlock,
  generateUsers,
  inboxPrefixOf,
  permissionsFor,
  randomPassword,
  workerUserName,
} from './nats-auth.js';
export type { GeneratedUsers, NatsUser, Permissions } from './nats-auth.js';
export { KvBucket, isMissingStore, listKeys } from './kv-bucket.js';
export type { BucketSpec } from './kv-bucket.js';
