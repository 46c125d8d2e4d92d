import { createHash } from "node:crypto";
import { parseJsonOrUndefined } from "@switchyard/contracts";
import { AppError } from "@switchyard/errors";
import busboy from "busboy";
import type { Request } from "express";
import { z } from "zod";

export interface UploadLimits {
  /** GATEWAY_UPLOAD_MAX_FILE_BYTES: one file. */
  fileBytes: number;
  /** GATEWAY_UPLOAD_MAX_BYTES: every part together. */
  totalBytes: number;
  /** GATEWAY_UPLOAD_MAX_PARTS: files and fields together. */
  parts: number;
}

/** Whether the request's body is a multipart form (`curl -F`). */
export const isMultipart = (request: Request) => (request.headers["content-type"] ?? "").toLowerCase().startsWith("multipart/form-data");

const textTypes = /^(text\/|application\/(json|x-ndjson|yaml|x-yaml|xml|csv|markdown|javascript|x-sh|toml))/;
const textExtensions = /\.(txt|md|markdown|csv|tsv|json|jsonl|ndjson|ya?ml|xml|html?|toml|ini|log|rst)$/i;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The text of a file whose type or name says it is text and whose bytes are UTF-8; undefined for anything else. */
function textOf(name: string, contentType: string, bytes: Buffer): string | undefined {
  const declared =
    textTypes.test(contentType) || ((contentType === "" || contentType === "application/octet-stream") && textExtensions.test(name));
  if (!declared) return undefined;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

const tooLarge = (what: string, setting: string, limit: number) =>
  new AppError("payload_too_large", `${what} is larger than ${setting} (${limit} bytes)`, { param: setting });

/** A file that is not text: its description goes in the inputs (`ref` is set once it is stored), its bytes beside them. */
export interface BinaryPart {
  value: { name: string; content_type: string; size: number; sha256: string; ref?: string };
  bytes: Buffer;
}

export interface MultipartForm {
  inputs: Record<string, unknown>;
  binaries: BinaryPart[];
}

/**
 * A run's inputs from a multipart body, as Hayhooks' clients send them (`-F files=@a.txt -F 'query="..."'`): each
 * field's value is JSON (a value that is not is taken as a string), each file part becomes
 * `{name, content_type, size, text}` under its field name (a list when the name comes more than once); a file that
 * is not UTF-8 text becomes `{name, content_type, size, sha256}`, its bytes handed back beside the inputs to be
 * stored. Parsed as it streams, in memory (nothing touches the disk), with every part, file and the whole bounded:
 * past a limit the read stops and the answer is 413 naming the setting.
 */
export function multipartInputs(request: Request, limits: UploadLimits): Promise<MultipartForm> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: request.headers,
        limits: {
          parts: limits.parts,
          fileSize: limits.fileBytes,
          fieldSize: limits.totalBytes,
          fields: limits.parts,
          files: limits.parts,
        },
      });
    } catch (error) {
      reject(new AppError("invalid_request", "the multipart body has no boundary", { cause: error }));
      return;
    }
    const inputs: Record<string, unknown> = {};
    const binaries: BinaryPart[] = [];
    const add = (name: string, value: unknown) => {
      const previous = inputs[name];
      inputs[name] = previous === undefined ? value : Array.isArray(previous) ? [...previous, value] : [previous, value];
    };
    let total = 0;
    let failed = false;
    const fail = (error: AppError) => {
      if (failed) return;
      failed = true;
      request.unpipe(parser);
      // The rest of the body is drained, not parsed, so the client still reads the answer.
      request.resume();
      reject(error);
    };
    const count = (bytes: number) => {
      total += bytes;
      if (total > limits.totalBytes) fail(tooLarge("the upload", "GATEWAY_UPLOAD_MAX_BYTES", limits.totalBytes));
    };
    parser.on("field", (name, value, info) => {
      if (failed) return;
      if (info.valueTruncated) return fail(tooLarge(`field '${name}'`, "GATEWAY_UPLOAD_MAX_BYTES", limits.totalBytes));
      count(Buffer.byteLength(value));
      add(name, parseJsonOrUndefined(z.unknown(), value) ?? value);
    });
    parser.on("file", (name, stream, info) => {
      const filename = info.filename ?? name;
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on("data", (chunk: Buffer) => {
        if (failed) return;
        size += chunk.length;
        count(chunk.length);
        chunks.push(chunk);
      });
      stream.on("limit", () => fail(tooLarge(`file '${filename}'`, "GATEWAY_UPLOAD_MAX_FILE_BYTES", limits.fileBytes)));
      stream.on("end", () => {
        if (failed) return;
        const contentType = info.mimeType.toLowerCase();
        const bytes = Buffer.concat(chunks);
        const text = textOf(filename, contentType, bytes);
        if (text !== undefined) return add(name, { name: filename, content_type: contentType, size, text });
        const value = { name: filename, content_type: contentType, size, sha256: createHash("sha256").update(bytes).digest("hex") };
        binaries.push({ value, bytes });
        add(name, value);
      });
    });
    const tooMany = () =>
      fail(
        new AppError("payload_too_large", `the form has more than GATEWAY_UPLOAD_MAX_PARTS (${limits.parts}) parts`, {
          param: "GATEWAY_UPLOAD_MAX_PARTS",
        }),
      );
    parser.on("partsLimit", tooMany);
    parser.on("filesLimit", tooMany);
    parser.on("fieldsLimit", tooMany);
    parser.on("error", (error) => fail(new AppError("invalid_request", "the multipart body could not be read", { cause: error })));
    parser.on("close", () => {
      if (!failed) resolve({ inputs, binaries });
    });
    request.on("error", (error) => fail(new AppError("cancelled", "the client went away", { cause: error })));
    request.pipe(parser);
  });
}
