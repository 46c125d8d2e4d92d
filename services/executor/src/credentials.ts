import { CredentialChanged } from "@switchyard/contracts";
import { AppError, toAppError } from "@switchyard/errors";
import type { AccessGrpcClient } from "@switchyard/grpc";
import { type Bus, decodeJson } from "@switchyard/nats";
import { redactValues } from "@switchyard/telemetry";
import type { CredentialSource } from "./providers/index.ts";

export interface CredentialCache {
  get: CredentialSource;
  close(): void;
}

/**
 * Credentials' values for model aliases that name one, read from the access service over
 * gRPC when first used and kept in memory only; a change event drops one at once, so a
 * rotated key is used from the next call on. A safety TTL bounds what a missed event costs.
 * Every value is registered as a secret the moment it arrives (and stays one after a rotation),
 * so it is scrubbed from log lines and errors, the provider's echo of it included.
 */
export function createCredentialCache(client: AccessGrpcClient, bus: Bus, options: { deadlineMs: number; ttlMs: number }): CredentialCache {
  const values = new Map<string, { value: Promise<string>; until: number }>();
  const subscription = bus.nats.subscribe(bus.subjects.event("accessCredentialChanged"), {
    callback: (error, message) => {
      if (error) return;
      try {
        values.delete(decodeJson(CredentialChanged, message.data).name);
      } catch {
        values.clear();
      }
    },
  });
  return {
    get(name) {
      const cached = values.get(name);
      if (cached && cached.until > Date.now()) return cached.value;
      const value = client.getCredential(name, { deadlineMs: options.deadlineMs }).then(
        (credential) => {
          redactValues([credential.value]);
          return credential.value;
        },
        (error: unknown) => {
          values.delete(name);
          const appError = toAppError(error);
          // A model call that cannot get its key is the deployment's problem: say which credential, never its value.
          throw new AppError(
            appError.code === "not_found" ? "upstream_error" : appError.code,
            `credential '${name}': ${appError.message}`,
            {
              retryable: appError.retryable,
            },
          );
        },
      );
      values.set(name, { value, until: Date.now() + options.ttlMs });
      return value;
    },
    close: () => subscription.unsubscribe(),
  };
}
