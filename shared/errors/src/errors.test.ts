import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError, fromWire, toAppError } from "./app-error.ts";
import { codeFromGrpcStatus, errorCodes, grpcStatusByCode, httpStatusByCode } from "./codes.ts";

describe("errors", () => {
  it("maps every code to an HTTP and a gRPC status", () => {
    for (const code of errorCodes) {
      expect(httpStatusByCode[code]).toBeGreaterThanOrEqual(400);
      expect(grpcStatusByCode[code]).toBeGreaterThan(status.OK);
    }
  });

  it("derives retryability from the code", () => {
    expect(new AppError("unavailable", "x").retryable).toBe(true);
    expect(new AppError("rate_limited", "x").retryable).toBe(true);
    expect(new AppError("invalid_input", "x").retryable).toBe(false);
    expect(codeFromGrpcStatus(status.DEADLINE_EXCEEDED)).toBe("timeout");
    expect(codeFromGrpcStatus(status.DATA_LOSS)).toBe("internal");
  });

  it("never puts a stack or an unknown error's message on the wire", () => {
    const wire = toAppError(new Error("secret path /etc/x")).toWire();
    expect(wire).toEqual({ code: "internal", message: "internal error" });
    const round = fromWire(new AppError("not_found", "gone", { param: "name" }).toWire());
    expect(round).toMatchObject({ code: "not_found", message: "gone", param: "name" });
  });

  it("turns schema failures into invalid_request naming the field", () => {
    const result = z.object({ limit: z.number() }).safeParse({ limit: "x" });
    expect(result.success).toBe(false);
    if (!result.success) expect(toAppError(result.error)).toMatchObject({ code: "invalid_request", param: "limit" });
  });
});
