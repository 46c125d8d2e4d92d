import { AppError, toAppError } from "@switchyard/errors";
import type { Request } from "express";
import type { z } from "zod";

/**
 * A face's own words for a resource that is not there (or not the caller's): the id from the
 * path, anything else not found; and any `not_found` from the core said the same way.
 */
export function notFoundAs<T extends z.ZodType<string>>(schema: T, message: string) {
  return {
    idParam(request: Request): z.infer<T> {
      const id = schema.safeParse(request.params.id);
      if (!id.success) throw new AppError("not_found", message);
      return id.data;
    },
    async orNotFound<R>(work: Promise<R>): Promise<R> {
      try {
        return await work;
      } catch (error) {
        if (toAppError(error).code === "not_found") throw new AppError("not_found", message);
        throw error;
      }
    },
  };
}

/** What the work gives, or undefined when what it reads does not exist (any other failure still throws). */
export const unlessNotFound = <T>(work: Promise<T>): Promise<T | undefined> =>
  work.catch((error: unknown) => {
    if (toAppError(error).code === "not_found") return undefined;
    throw error;
  });
