export { type Closeable, type ReadyFields, runService, type Service, type ServiceContext, type ServiceSpec } from "./run-service.ts";
