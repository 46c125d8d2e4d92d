import { type CredentialChanged, type CredentialInfo, CredentialName, type CredentialPutRequest } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import type { CredentialValue } from "@switchyard/grpc";
import { type Bus, publishJson } from "@switchyard/nats";
import type { z } from "zod";
import type { CredentialsStore } from "./credentials-store.ts";
import type { SecretBox } from "./secret-box.ts";

/**
 * How a value is shown: enough to recognise it, never enough to use it. 12+ characters:
 * the first 3 and the last 4 (`sk-…abcd`); 6 to 11: the last 2; under 6: nothing.
 */
export function mask(value: string): string {
  const characters = Array.from(value);
  if (characters.length >= 12) return `${characters.slice(0, 3).join("")}…${characters.slice(-4).join("")}`;
  if (characters.length >= 6) return `…${characters.slice(-2).join("")}`;
  return "…";
}

export const noSecretKey = () =>
  new AppError("unavailable", "storing credentials needs SWITCHYARD_SECRET_KEY (32 bytes, hex or base64) on the access service", {
    retryable: false,
  });

export interface CredentialsDeps {
  store: CredentialsStore;
  /** Absent without SWITCHYARD_SECRET_KEY: nothing can be stored or read then. */
  box: SecretBox | undefined;
  bus: Bus;
  maxCredentials: number;
}

/**
 * The encrypted credentials store. Values are sealed with the credential's name as
 * authenticated data; the plaintext never reaches Redis or a log, and leaves only over
 * gRPC (`GetCredential`) to the services that use it. Changes are announced before the reply.
 */
export function createCredentials(deps: CredentialsDeps) {
  const { store, bus } = deps;
  const notFound = (name: string) => new AppError("not_found", `credential '${name}' does not exist`);

  async function announce(name: string): Promise<void> {
    const event: CredentialChanged = { name };
    publishJson(bus.nats, bus.subjects.event("accessCredentialChanged"), event);
    await bus.nats.flush();
  }

  return {
    async put(request: z.output<typeof CredentialPutRequest>): Promise<CredentialInfo> {
      if (!deps.box) throw noSecretKey();
      const stored = await store.put(
        {
          name: request.name,
          type: request.type,
          provider: request.provider,
          description: request.description,
          metadata: request.metadata,
          masked: mask(request.value),
          updatedAt: new Date().toISOString(),
          createdBy: request.createdBy,
          sealed: deps.box.seal(request.value, request.name),
        },
        request.create,
      );
      if (stored === "exists") throw new AppError("conflict", `credential '${request.name}' already exists`, { param: "name" });
      if (stored === "full") throw new AppError("conflict", `at most ${deps.maxCredentials} credentials may be stored; delete some first`);
      await announce(request.name);
      return stored;
    },

    async get(name: string): Promise<CredentialInfo> {
      const found = await store.get(name);
      if (!found) throw notFound(name);
      return found.info;
    },

    list: (limit: number, offset: number) => store.list(limit, offset),

    async remove(name: string): Promise<void> {
      if (!(await store.remove(name))) throw notFound(name);
      await announce(name);
    },

    /** The plaintext, for the gRPC API only. */
    async value(name: string): Promise<CredentialValue> {
      if (!CredentialName.safeParse(name).success) throw new AppError("invalid_request", `'${name.slice(0, 80)}' is not a credential name`);
      if (!deps.box) throw noSecretKey();
      const found = await store.get(name);
      if (!found) throw notFound(name);
      return { name, value: deps.box.open(found.sealed, name), updatedAt: found.info.updatedAt };
    },
  };
}
