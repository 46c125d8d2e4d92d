import { endpoints, hashSecret, KeyChanged, type Principal } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import { type Bus, call, decodeJson } from "@switchyard/nats";
import type { Logger } from "@switchyard/telemetry";

export interface PrincipalCacheOptions {
  /** How long a looked-up key is trusted without asking again; change events end it sooner. */
  ttlMs: number;
  maxEntries: number;
  timeoutMs: number;
  logger: Logger;
}

export interface PrincipalCache {
  /** Who a presented secret belongs to, or `unauthorized`; cached per secret until it expires, changes or the TTL ends. */
  authenticate(secret: string, client: string): Promise<Principal>;
  close(): void;
}

interface Entry {
  principal: Principal;
  /** When this gateway asks again, whatever happens. */
  until: number;
}

/**
 * Key lookups, cached in each gateway by the secret's hash. The access service publishes a
 * change event for every key it changes (revoked, disabled, rotated, limits), before it
 * answers the caller, and every gateway drops that key's entries on it: a revoked key is
 * refused everywhere without waiting for the TTL. Failures are never cached: the access
 * service counts them per client address to slow and block guessing.
 */
export function createPrincipalCache(bus: Bus, options: PrincipalCacheOptions): PrincipalCache {
  const entries = new Map<string, Entry>();
  const hashesByKey = new Map<string, Set<string>>();
  /** Counts change events: a lookup that was in flight while one arrived may hold a key as it was before, and is not cached. */
  let changes = 0;
  const forget = (hash: string) => {
    const entry = entries.get(hash);
    entries.delete(hash);
    if (!entry) return;
    const hashes = hashesByKey.get(entry.principal.keyId);
    hashes?.delete(hash);
    if (hashes?.size === 0) hashesByKey.delete(entry.principal.keyId);
  };
  const subscription = bus.nats.subscribe(bus.subjects.event("accessKeyChanged"), {
    callback: (error, message) => {
      if (error) return;
      changes += 1;
      try {
        const changed = decodeJson(KeyChanged, message.data);
        for (const hash of changed.secretHashes) forget(hash);
        for (const hash of hashesByKey.get(changed.keyId) ?? []) forget(hash);
        hashesByKey.delete(changed.keyId);
      } catch {
        // An event this gateway cannot read: trust nothing cached.
        entries.clear();
        hashesByKey.clear();
        options.logger.warn("unreadable key change event: key cache cleared");
      }
    },
  });

  return {
    async authenticate(secret, client) {
      const hash = hashSecret(secret);
      const now = Date.now();
      const cached = entries.get(hash);
      if (cached && cached.until > now) return cached.principal;
      if (cached) forget(hash);
      const changesBefore = changes;
      const principal = await call(bus, endpoints.accessAuthenticate, { secretHash: hash, client }, { timeoutMs: options.timeoutMs });
      const validUntil = principal.validUntil ? Date.parse(principal.validUntil) : Number.POSITIVE_INFINITY;
      if (validUntil <= now) throw new AppError("unauthorized", "API key has expired");
      if (changes !== changesBefore) return principal;
      if (entries.size >= options.maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) forget(oldest.value);
      }
      entries.set(hash, { principal, until: Math.min(now + options.ttlMs, validUntil) });
      const hashes = hashesByKey.get(principal.keyId) ?? new Set<string>();
      hashes.add(hash);
      hashesByKey.set(principal.keyId, hashes);
      return principal;
    },
    close: () => subscription.unsubscribe(),
  };
}
