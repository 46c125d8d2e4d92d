import { createGrpcServer, serveAccess } from "@switchyard/grpc";
import type { Bus } from "@switchyard/nats";
import { createStoreHealth, type Redis, type StoreHealth } from "@switchyard/redis";
import type { Logger, Tracer } from "@switchyard/telemetry";
import { createAudit } from "./audit.ts";
import { createAuthenticator } from "./authenticate.ts";
import type { AccessConfig } from "./config.ts";
import { createCredentials } from "./credentials.ts";
import { createCredentialsStore } from "./credentials-store.ts";
import { createGuard } from "./guard.ts";
import { createKeys } from "./keys.ts";
import { createKeysStore } from "./keys-store.ts";
import { createLimits } from "./limits.ts";
import { createMfa } from "./mfa.ts";
import { createMfaGate, defaultMfaRules, type MfaRules } from "./mfa-gate.ts";
import { serveAccessEndpoints } from "./routes.ts";
import { createSecretBox } from "./secret-box.ts";
import { createUsers } from "./users.ts";
import { createUsersStore } from "./users-store.ts";

export interface AccessServiceDeps {
  config: AccessConfig;
  bus: Bus;
  redis: Redis;
  logger: Logger;
  tracer: Tracer;
  instance: string;
  /** The clock TOTP codes are checked against; tests pass their own. */
  now?: () => number;
  mfaRules?: MfaRules;
}

/**
 * Users, API keys, rate limits, the encrypted credentials store and the audit trail. NATS
 * for the gateway (`sy.access.*`); gRPC `GetCredential` for the services that use a credential.
 */
export function createAccessService(deps: AccessServiceDeps) {
  const { bus, logger, tracer, config, redis } = deps;
  const box = config.SWITCHYARD_SECRET_KEY ? createSecretBox(config.SWITCHYARD_SECRET_KEY) : undefined;
  const guard = createGuard(redis, {
    failuresPerMinute: config.ACCESS_AUTH_FAILURES_PER_MINUTE,
    blockMs: config.ACCESS_AUTH_BLOCK_SECONDS * 1000,
  });
  const keys = createKeys({ store: createKeysStore(redis, tracer, config.ACCESS_MAX_KEYS), bus, logger, maxKeys: config.ACCESS_MAX_KEYS });
  const usersStore = createUsersStore(redis);
  const mfa = createMfa({
    users: usersStore,
    gate: createMfaGate(redis, deps.mfaRules ?? defaultMfaRules),
    guard,
    box,
    now: deps.now ?? Date.now,
  });
  const credentials = createCredentials({
    store: createCredentialsStore(redis, tracer, config.ACCESS_MAX_CREDENTIALS),
    box,
    bus,
    maxCredentials: config.ACCESS_MAX_CREDENTIALS,
  });
  let health: StoreHealth | undefined;
  const parts = {
    instance: deps.instance,
    storeHealth: async () => (await health?.check()) ?? "starting",
    authenticate: createAuthenticator(redis, guard.rules),
    limits: createLimits(redis),
    keys,
    users: createUsers({ users: usersStore, keys, guard, mfa, tokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS }),
    mfa,
    credentials,
    audit: createAudit(redis, config.ACCESS_AUDIT_MAX_ENTRIES),
  };
  const grpc = createGrpcServer();
  serveAccess(grpc, { getCredential: (name) => credentials.value(name) }, { logger, tracer });
  let subscriptions: { unsubscribe(): void }[] = [];

  return {
    async start(): Promise<{ grpcPort: number }> {
      if (!box) logger.warn("SWITCHYARD_SECRET_KEY is not set: credentials and MFA cannot be stored");
      health = await createStoreHealth(redis, "access", logger);
      if (config.SWITCHYARD_ADMIN_KEY) await keys.seed(config.SWITCHYARD_ADMIN_KEY);
      subscriptions = serveAccessEndpoints(bus, parts, { logger, tracer });
      // Ready means answering: the server has every subscription before anyone hears of this service.
      await bus.nats.flush();
      return { grpcPort: await grpc.listen(config.ACCESS_GRPC_ADDRESS) };
    },
    async stop(): Promise<void> {
      for (const subscription of subscriptions) subscription.unsubscribe();
      await grpc.stop();
    },
  };
}
