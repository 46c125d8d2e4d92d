import { endpoints } from "@switchyard/contracts";
import { type Bus, type ServeOptions, serve } from "@switchyard/nats";
import type { createAudit } from "./audit.ts";
import type { createAuthenticator } from "./authenticate.ts";
import type { createCredentials } from "./credentials.ts";
import type { Keys } from "./keys.ts";
import type { createLimits } from "./limits.ts";
import type { Mfa } from "./mfa.ts";
import type { createUsers } from "./users.ts";

export interface Parts {
  instance: string;
  /** The state of the access store (`ok`, unreachable, or emptied since start), for pings. */
  storeHealth(): Promise<string>;
  authenticate: ReturnType<typeof createAuthenticator>;
  limits: ReturnType<typeof createLimits>;
  keys: Keys;
  users: ReturnType<typeof createUsers>;
  mfa: Mfa;
  credentials: ReturnType<typeof createCredentials>;
  audit: ReturnType<typeof createAudit>;
}

const done = {};

/** The access service's NATS face: one line per endpoint of the table, each a call into its part. */
export function serveAccessEndpoints(bus: Bus, parts: Parts, options: ServeOptions): { unsubscribe(): void }[] {
  const { keys, users, mfa, credentials, audit, limits } = parts;
  // The hot path (every gateway request that misses its cache, every admit) may run more at once.
  const hot = { ...options, maxInFlight: 1024 };
  return [
    serve(bus, endpoints.accessAuthenticate, ({ secretHash, client }) => parts.authenticate(secretHash, client), hot),
    serve(bus, endpoints.accessAdmit, (request) => limits.admit(request), hot),
    serve(
      bus,
      endpoints.accessSettle,
      async (request) => {
        await limits.settle(request);
        return done;
      },
      hot,
    ),
    serve(bus, endpoints.accessBootstrap, () => keys.bootstrap(), options),
    serve(bus, endpoints.accessKeyCreate, (request) => keys.create(request), options),
    serve(bus, endpoints.accessKeyList, ({ limit, offset }) => keys.list(limit, offset), options),
    serve(bus, endpoints.accessKeyGet, ({ id }) => keys.get(id), options),
    serve(bus, endpoints.accessKeyUpdate, ({ id, ...update }) => keys.update(id, update), options),
    serve(bus, endpoints.accessKeyRotate, ({ id, graceSeconds }) => keys.rotate(id, graceSeconds), options),
    serve(
      bus,
      endpoints.accessKeyDelete,
      async ({ id }) => {
        await keys.remove(id);
        return done;
      },
      options,
    ),
    serve(bus, endpoints.accessSetupStatus, () => users.status(), options),
    serve(bus, endpoints.accessSetup, (request) => users.setup(request), options),
    serve(bus, endpoints.accessLogin, (request) => users.login(request), options),
    serve(bus, endpoints.accessMfaLogin, (request) => users.mfaLogin(request), options),
    serve(bus, endpoints.accessMfaSetup, ({ id }) => mfa.setup(id), options),
    serve(bus, endpoints.accessMfaVerify, ({ id, code }) => mfa.verify(id, code), options),
    serve(bus, endpoints.accessMfaDisable, ({ id, code }) => mfa.disable(id, code), options),
    serve(bus, endpoints.accessUserGet, ({ id }) => users.get(id), options),
    serve(bus, endpoints.accessCredentialPut, (request) => credentials.put(request), options),
    serve(bus, endpoints.accessCredentialList, ({ limit, offset }) => credentials.list(limit, offset), options),
    serve(bus, endpoints.accessCredentialGet, ({ name }) => credentials.get(name), options),
    serve(
      bus,
      endpoints.accessCredentialDelete,
      async ({ name }) => {
        await credentials.remove(name);
        return done;
      },
      options,
    ),
    serve(
      bus,
      endpoints.accessAuditRecord,
      async (request) => {
        await audit.record(request);
        return done;
      },
      options,
    ),
    serve(bus, endpoints.accessAuditList, ({ limit, offset }) => audit.list(limit, offset), options),
    serve(
      bus,
      endpoints.accessPing,
      async () => ({ service: "access", instance: parts.instance, checks: { redis: await parts.storeHealth() } }),
      options,
    ),
  ];
}
