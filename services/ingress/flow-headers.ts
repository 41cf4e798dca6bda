// The flow-control headers at the ingress edge: which a client may send, and which only the ingress
// itself may set (from an authenticated API key) and so are dropped from what a client sent.
import { FlowHeader } from '../../shared/scheduling/flow-control/index.js';

/** Request headers a client may send to choose its priority and tenant. */
export const FLOW_CLIENT_HEADERS: readonly string[] = [FlowHeader.Priority, FlowHeader.Tenant];

/**
 * Removes the headers that carry an API key's tenant and default priority: set by the ingress once it has
 * authenticated a key, never believed from a client (a client must not claim another tenant's share).
 */
export function stripTrustedHeaders(headers: Record<string, string>): void {
  delete headers[FlowHeader.ApiKeyTenant];
  delete headers[FlowHeader.ApiKeyPriority];
}
