export { decodeMessage, encodeMessage } from './codec.js';
export { AtcHeader } from './headers.js';
export { AtcError, ErrorCode, OverloadedError, ProtocolError, errorFromWire } from './errors.js';
export { WorkerRole } from './worker-role.js';
export type {
  CancelV1,
  ErrorV1,
  KvReleaseV1,
  GenerateAcceptedV1,
  GenerateRequestV1,
  LoadReportV1,
  PickReplyV1,
  PickRequestV1,
  PrefillReplyV1,
  PrefillRequestV1,
  RequestCompletedV1,
  RequestFirstTokenV1,
  StreamFinishedV1,
  StreamKeepaliveV1,
  StreamMessageV1,
  StreamTokensV1,
  WireMessage,
  WireSampling,
  WirePromptTokens,
  WireBlockHashes,
  WireEngineLoad,
  WireType,
  WorkerRegistrationV1,
  DirectGrantV1,
} from './messages.js';
export {
  assertWorkerId,
  clientApi,
  eventSubjects,
  kvBuckets,
  queueGroups,
  schedulerPick,
  schedulerReplicaPick,
  schedulerHeld,
  replicaToken,
  workerIdOfEventSubject,
  workerSubjects,
} from './subjects.js';
