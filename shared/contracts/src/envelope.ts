import { WireError } from "@switchyard/errors";
import { z } from "zod";

/** Every NATS reply is this envelope, so errors travel as data and never as stacks. `data` is parsed by the caller's schema. */
export const ReplyEnvelope = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: WireError }),
]);
export type ReplyEnvelope = z.infer<typeof ReplyEnvelope>;
