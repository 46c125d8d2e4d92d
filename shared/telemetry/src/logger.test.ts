import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";
import { forgetSecretsForTests, redactValues, scrubSecrets, scrubSerialized } from "./secrets.ts";

/** A logger writing into an array, as the runtime's writes to standard output. */
function capture(service = "test") {
  const lines: string[] = [];
  const logger = createLogger({ service, level: "debug", destination: { write: (line: string) => void lines.push(line) } });
  return { logger, lines, parsed: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const key = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789";

afterEach(() => forgetSecretsForTests());

describe("createLogger secret scrubbing", () => {
  it("without registered secrets, lines pass untouched (the very same string)", () => {
    const line = `{"msg":"${key}"}`;
    expect(scrubSerialized(line)).toBe(line);
    const { logger, lines } = capture();
    logger.info({ detail: key }, "a key-like value nobody registered");
    expect(lines[0]).toContain(key);
  });

  it("scrubs a value registered after the logger was made, wherever it appears: message, fields, errors, child loggers", () => {
    const { logger, lines, parsed } = capture();
    redactValues([key]);
    const child = logger.child({ runId: "r1" });
    logger.info(`provider said: Incorrect API key provided: Bearer ${key}`);
    child.warn({ upstream: { body: { error: { message: `key ${key} is wrong` } } } }, "nested");
    logger.error({ err: new Error(`failed with ${key}`) }, "an error with a stack");
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).not.toContain(key);
    expect(lines.join("")).not.toContain("abcdefghijklmnopqrstuvwxyz");
    const [first, second, third] = parsed();
    expect(first?.msg).toBe("provider said: Incorrect API key provided: Bearer [REDACTED]");
    expect(second).toMatchObject({ runId: "r1", upstream: { body: { error: { message: "key [REDACTED] is wrong" } } } });
    expect(third).toMatchObject({ err: { message: "failed with [REDACTED]" } });
  });

  it("matches a value with quotes and backslashes in its JSON-escaped form, and every line stays valid JSON", () => {
    const odd = 'pa"ss\\word-with "quotes"';
    redactValues([odd]);
    const { logger, lines, parsed } = capture();
    logger.info({ password: odd }, `value ${odd} in the message`);
    expect(lines[0]).not.toContain(JSON.stringify(odd).slice(1, -1));
    expect(parsed()[0]).toMatchObject({ password: "[REDACTED]", msg: "value [REDACTED] in the message" });
    // A value that spells JSON structure is not matched across fields (which would break the line): it is in no string there.
    redactValues(['abc","b":"def']);
    logger.info({ a: "abc", b: "def" }, "fields that spell it");
    expect(parsed()[1]).toMatchObject({ a: "abc", b: "def" });
  });

  it("leaves an escape sequence alone: a newline before text that spells the secret's tail is not the secret", () => {
    redactValues(["n1234567890"]);
    const { logger, parsed } = capture();
    logger.info("line\n1234567890 and n1234567890");
    expect(parsed()[0]?.msg).toBe("line\n1234567890 and [REDACTED]");
  });

  it("ignores undefined, empty and short values; plain text is scrubbed with scrubSecrets", () => {
    redactValues([undefined, "", "short", key]);
    expect(scrubSecrets(`short words stay, the key goes: ${key}`)).toBe("short words stay, the key goes: [REDACTED]");
    const longer = `${key}-and-more`;
    redactValues([longer]);
    // Longest first: the longer secret is replaced whole, not as the shorter one plus a tail.
    expect(scrubSecrets(`x ${longer} y`)).toBe("x [REDACTED] y");
  });

  it("costs one scan of the line, and nothing while no secret is registered (measured)", () => {
    const sink = { write: (_line: string) => {} };
    const logger = createLogger({ service: "bench", level: "info", destination: sink });
    const lines = 50_000;
    const fields = { runId: "run-0123456789abcdef", name: "summarize", version: 3, executor: "executor-host-1234" };
    const measure = () => {
      const started = performance.now();
      for (let index = 0; index < lines; index += 1) logger.info(fields, "run started with a message of ordinary length for a log line");
      return ((performance.now() - started) * 1e6) / lines;
    };
    measure();
    const none = measure();
    redactValues([key, "credential-value-from-the-store-0123", "another-model-key-ZYXWVUTSRQ"]);
    measure();
    const three = measure();
    redactValues(Array.from({ length: 50 }, (_, index) => `rotated-credential-value-${index}-abcdefgh`));
    const many = measure();
    const line = JSON.stringify({ level: "info", time: new Date().toISOString(), service: "bench", ...fields, msg: "x".repeat(120) });
    const scanStarted = performance.now();
    for (let index = 0; index < lines; index += 1) scrubSerialized(line);
    const scan = ((performance.now() - scanStarted) * 1e6) / lines;
    console.log(
      `logger.info per line: ${none.toFixed(0)} ns without secrets, ${three.toFixed(0)} ns with 3 registered, ${many.toFixed(0)} ns with 53;` +
        ` the scan alone: ${scan.toFixed(0)} ns for a ${line.length}-character line with 53`,
    );
    // Generous bounds: the point is that the scan is a small part of a line's cost, not a multiple of it.
    expect(three).toBeLessThan(none * 2 + 2000);
    expect(many).toBeLessThan(none * 3 + 4000);
  });
});
