import { type AdmitReply, endpoints, type KeyLimits, type LimitState } from "@switchyard/contracts";
import type { GatewayContext } from "../context.ts";

/**
 * A share of one key's request and token limits this gateway hands out itself, taken from
 * the access service in one atomic batch. The access service never grants more than is left,
 * so across every gateway a key is never admitted past its limits; what a lease leaves
 * unused is given back (tokens) or lapses with it (requests). A lease is at most a fiftieth of
 * a limit and about a second of this gateway's own traffic for the key, so a key with a
 * small limit is decided request by request, exactly. What runs really used is charged to
 * the access service within `chargeEveryMs` (gathered per key), so every gateway sees it.
 */
interface Lease {
  /** The limits it was taken under; its unused tokens go back under them (a request-only renewal has no token limit). */
  limits: KeyLimits;
  requests: number;
  tokens: number;
  until: number;
  requestState: LimitState | undefined;
  tokenState: LimitState | undefined;
}

interface Rate {
  second: number;
  requests: number;
  tokens: number;
  lastRequests: number;
  lastTokens: number;
}

/** How long a lease is handed out from. */
const leaseMs = 1000;
/** How soon gathered charges (what runs used beyond or under their estimates) reach the access service. */
const chargeEveryMs = 100;
/** Keys whose leases one gateway holds at once (the oldest goes first). */
const maxLeases = 10_000;

export interface Admission {
  decision: AdmitReply;
  /** Charges (or refunds) tokens a finished run used beyond its estimate. */
  settle(usedTokens: number, estimatedTokens: number): void;
}

export function createLeases(context: GatewayContext) {
  const leases = new Map<string, Lease>();
  const rates = new Map<string, Rate>();
  const pending = new Map<string, { limits: KeyLimits; net: number }>();
  let flushing: NodeJS.Timeout | undefined;

  const rateOf = (keyId: string, now: number): Rate => {
    const second = Math.floor(now / 1000);
    let rate = rates.get(keyId);
    if (!rate) {
      if (rates.size >= maxLeases) rates.delete(rates.keys().next().value ?? "");
      rate = { second, requests: 0, tokens: 0, lastRequests: 0, lastTokens: 0 };
      rates.set(keyId, rate);
    }
    if (rate.second !== second) {
      const previous = rate.second === second - 1;
      rate.lastRequests = previous ? rate.requests : 0;
      rate.lastTokens = previous ? rate.tokens : 0;
      rate.second = second;
      rate.requests = 0;
      rate.tokens = 0;
    }
    return rate;
  };

  /** Gathers a charge for the key, sent with the others within `chargeEveryMs`. */
  const gather = (keyId: string, limits: KeyLimits, net: number) => {
    const entry = pending.get(keyId) ?? { limits, net: 0 };
    entry.net += net;
    pending.set(keyId, entry);
    flushing ??= setTimeout(() => {
      flushing = undefined;
      for (const [id, { limits: keyLimits, net: total }] of pending) void charge(id, keyLimits, total);
      pending.clear();
    }, chargeEveryMs);
    flushing.unref();
  };

  /** Charges `net` tokens (a refund when negative) to the key in the access service. */
  const charge = (keyId: string, limits: KeyLimits, net: number) => {
    if (net === 0 || limits.tokensPerMinute === undefined) return Promise.resolve();
    const payload = { keyId, limits, estimatedTokens: Math.max(0, -net), usedTokens: Math.max(0, net) };
    return context.call(endpoints.accessSettle, payload).then(
      () => undefined,
      (error: unknown) => context.logger.warn({ err: error, keyId }, "could not settle a lease"),
    );
  };

  const headersOf = (lease: Lease): AdmitReply => ({
    allowed: true,
    ...(lease.requestState ? { requests: { ...lease.requestState, remaining: lease.requestState.remaining + lease.requests } } : {}),
    ...(lease.tokenState ? { tokens: { ...lease.tokenState, remaining: lease.tokenState.remaining + Math.max(0, lease.tokens) } } : {}),
  });

  return {
    /** One request (and `estimatedTokens`) under a key's request and token limits: from its lease, or a new one. */
    async admit(keyId: string, limits: KeyLimits, estimatedTokens: number): Promise<Admission> {
      const now = Date.now();
      const rate = rateOf(keyId, now);
      rate.requests += 1;
      rate.tokens += estimatedTokens;
      const needRequests = limits.requestsPerMinute === undefined ? 0 : 1;
      let lease = leases.get(keyId);
      if (!lease || lease.until <= now || lease.requests < needRequests || lease.tokens < estimatedTokens) {
        // The old lease is retired at once, so a request renewing at the same time cannot give its tokens back twice;
        // the tokens it did not hand out go back before the new batch is taken.
        const retired = lease;
        if (retired) leases.delete(keyId);
        if (retired && retired.tokens > 0) await charge(keyId, retired.limits, -retired.tokens);
        const share = (limit: number | undefined, seen: number) => Math.max(0, Math.min(Math.floor((limit ?? 0) / 50), seen));
        const batch = {
          requests: Math.max(1, share(limits.requestsPerMinute, rate.lastRequests)),
          tokens: Math.max(estimatedTokens, share(limits.tokensPerMinute, rate.lastTokens + estimatedTokens)),
        };
        const decision = await context.call(endpoints.accessAdmit, { keyId, limits, estimatedTokens, batch });
        if (!decision.allowed) return { decision, settle: () => {} };
        const granted = { requests: decision.granted?.requests ?? needRequests, tokens: decision.granted?.tokens ?? estimatedTokens };
        // A request that renewed at the same time may have set a lease meanwhile: both batches are paid for, so they add up.
        const current = leases.get(keyId);
        if (current && current.until > Date.now()) {
          current.requests += granted.requests;
          current.tokens += granted.tokens;
          current.requestState = decision.requests ?? current.requestState;
          current.tokenState = decision.tokens ?? current.tokenState;
          if (limits.tokensPerMinute !== undefined) current.limits = limits;
          lease = current;
        } else {
          // One that lapsed while this request waited gives back what it did not hand out.
          if (current && current.tokens > 0) void charge(keyId, current.limits, -current.tokens);
          if (!current && leases.size >= maxLeases) leases.delete(leases.keys().next().value ?? "");
          lease = { limits, ...granted, until: now + leaseMs, requestState: decision.requests, tokenState: decision.tokens };
          leases.set(keyId, lease);
        }
      }
      lease.requests -= needRequests;
      lease.tokens -= estimatedTokens;
      return {
        decision: headersOf(lease),
        settle: (usedTokens, estimate) => {
          const net = usedTokens - estimate;
          if (net === 0 || limits.tokensPerMinute === undefined) return;
          // The lease's own tokens are paid for already: only the difference is charged (or refunded), once, in the access service.
          gather(keyId, limits, net);
        },
      };
    },
  };
}
