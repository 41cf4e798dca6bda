// A request's flow: its priority band and its tenant, from request headers (or an API key's defaults).
/** Priority bands, highest first: critical is dispatched first and shed last; sheddable is shed first. */
export const Priority = { Critical: 'critical', Standard: 'standard', Sheddable: 'sheddable' } as const;
export type Priority = (typeof Priority)[keyof typeof Priority];

/** Bands in dispatch order (index 0 first). */
export const PRIORITY_ORDER: readonly Priority[] = [Priority.Critical, Priority.Standard, Priority.Sheddable];

/** Request headers of flow control, lower-case. */
export const FlowHeader = {
  Priority: 'x-atc-priority',
  Tenant: 'x-atc-tenant',
  /** Set by the ingress from an authenticated API key (never taken from the client): its tenant and default priority. */
  ApiKeyTenant: 'x-atc-api-key-tenant',
  ApiKeyPriority: 'x-atc-api-key-priority',
} as const;

/** The tenant of requests that name none. */
export const DEFAULT_TENANT = 'default';

/** Longest tenant id kept (longer ones are cut: tenants label metrics, so they must stay small). */
const MAX_TENANT_CHARS = 64;

export class InvalidPriorityError extends Error {
  override name = 'InvalidPriorityError';
}

export function isPriority(x: string): x is Priority {
  return (PRIORITY_ORDER as readonly string[]).includes(x);
}

/** Band index of a priority (0 = critical). */
export function bandOf(p: Priority): number {
  return PRIORITY_ORDER.indexOf(p);
}

export interface FlowKey {
  readonly priority: Priority;
  readonly tenant: string;
}

/**
 * The flow of a request. Priority: `x-atc-priority`, else the API key's default, else `standard`; an
 * unknown value is an error (the caller answers 400), never a silent default. Tenant: the API key's
 * tenant when the ingress authenticated one (a client cannot claim another tenant's share), else
 * `x-atc-tenant`, else `default`.
 */
export function flowOf(headers: Readonly<Record<string, string>>): FlowKey {
  const raw = headers[FlowHeader.Priority] ?? headers[FlowHeader.ApiKeyPriority];
  let priority: Priority = Priority.Standard;
  if (raw !== undefined) {
    const p = raw.trim().toLowerCase();
    if (!isPriority(p))
      throw new InvalidPriorityError(`${FlowHeader.Priority} must be one of ${PRIORITY_ORDER.join(', ')}, got ${JSON.stringify(raw)}`);
    priority = p;
  }
  const tenant = (headers[FlowHeader.ApiKeyTenant] ?? headers[FlowHeader.Tenant] ?? '').trim().slice(0, MAX_TENANT_CHARS);
  return { priority, tenant: tenant === '' ? DEFAULT_TENANT : tenant };
}
