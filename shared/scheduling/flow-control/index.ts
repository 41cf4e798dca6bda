export { decodeWorkersFor, SLO_CAPACITY_DEFAULTS, SloCapacity, UtilizationCapacity } from './admission.js';
export type { CapacityRequest, CapacityVerdict, FleetCapacity, SloCapacityOptions, UtilizationCapacityOptions } from './admission.js';
export { FairQueue, VTC_INPUT_WEIGHT, VTC_OUTPUT_WEIGHT } from './fair-queue.js';
export type { QueueEntry } from './fair-queue.js';
export { Fairness, FLOW_CONTROL_DEFAULTS, FlowController, RejectReason, ttftBudgetOf } from './flow-controller.js';
export type { FleetView, FlowControlOptions, FlowHandlers, FlowRequest, QueuedRequest, Rejection } from './flow-controller.js';
export { bandOf, DEFAULT_TENANT, FlowHeader, flowOf, InvalidPriorityError, isPriority, Priority, PRIORITY_ORDER } from './priority.js';
export type { FlowKey } from './priority.js';
