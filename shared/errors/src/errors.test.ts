import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError, fromWire, maxWireMessage, toAppError } from "./app-error.ts";
import { errorCodes, httpStatusByCode } from "./codes.ts";

describe("errors", () => {
  it("maps every code to an HTTP status", () => {
    for (const code of errorCodes) expect(httpStatusByCode[code]).toBeGreaterThanOrEqual(400);
  });

  it("derives retryability from the code", () => {
    expect(new AppError("unavailable", "x").retryable).toBe(true);
    expect(new AppError("rate_limited", "x").retryable).toBe(true);
    expect(new AppError("invalid_input", "x").retryable).toBe(false);
  });

  it("never puts a stack or an unknown error's message on the wire", () => {
    const wire = toAppError(new Error("secret path /etc/x")).toWire();
    expect(wire).toEqual({ code: "internal", message: "internal error" });
    const round = fromWire(new AppError("not_found", "gone", { param: "name" }).toWire());
    expect(round).toMatchObject({ code: "not_found", message: "gone", param: "name" });
  });

  it("carries a retryability that differs from the code's across the wire, and only then", () => {
    const notRetryable = new AppError("upstream_error", "tool failed", { retryable: false });
    expect(notRetryable.toWire()).toMatchObject({ retryable: false });
    expect(fromWire(notRetryable.toWire()).retryable).toBe(false);
    expect(new AppError("upstream_error", "x").toWire()).not.toHaveProperty("retryable");
    expect(fromWire(new AppError("upstream_error", "x").toWire()).retryable).toBe(true);
  });

  it("bounds the message that travels, so a remote server's huge message still fits a gRPC trailer", () => {
    const wire = new AppError("upstream_error", "x".repeat(100_000)).toWire();
    expect(wire.message).toHaveLength(maxWireMessage + 1);
    expect(wire.message.endsWith("…")).toBe(true);
    expect(new AppError("upstream_error", "short").toWire().message).toBe("short");
  });

  it("turns schema failures into invalid_request naming the field", () => {
    const result = z.object({ limit: z.number() }).safeParse({ limit: "x" });
    expect(result.success).toBe(false);
    if (!result.success) expect(toAppError(result.error)).toMatchObject({ code: "invalid_request", param: "limit" });
  });
});
