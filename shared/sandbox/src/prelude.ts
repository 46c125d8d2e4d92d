import { wrapperGlobal } from "./protocol.ts";

/**
 * The JavaScript a sandbox runs before the wrapper: it takes the two host functions the worker
 * installed (`call(op, json) → Promise<json>` and `log(text)`) off the global object, builds
 * the context the wrapper's functions get (`ctx.llm`, `ctx.tools`, `ctx.pipelines`, `ctx.files`, `ctx.log`),
 * turns `eval`, `Function` and the other function constructors into errors, and leaves the
 * the entry points the worker calls: `describe()`, `setup()` and `drive(name, argsJson)`. Everything
 * crosses the boundary as JSON text, so the host never holds a sandbox object.
 */
export const prelude = `(() => {
  "use strict";
  const host = globalThis.__switchyard_host;
  delete globalThis.__switchyard_host;
  const encode = (value) => JSON.stringify(value === undefined ? null : value);
  const call = async (op, payload) => JSON.parse(await host.call(op, encode(payload)));
  const stream = (op, payload) => {
    let id;
    let finished = false;
    return {
      [Symbol.asyncIterator]() { return this; },
      async next() {
        if (finished) return { done: true, value: undefined };
        if (id === undefined) id = (await call(op, payload)).stream;
        const step = await call("stream.next", { stream: id });
        if (step.done) finished = true;
        return step.done ? { done: true, value: undefined } : { done: false, value: step.value };
      },
      async return() {
        if (!finished && id !== undefined) {
          finished = true;
          await call("stream.close", { stream: id });
        }
        return { done: true, value: undefined };
      },
    };
  };
  const shown = (part) => {
    if (typeof part === "string") return part;
    try { return JSON.stringify(part); } catch { return String(part); }
  };
  const log = (...parts) => host.log(parts.map(shown).join(" "));
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const utf8 = (text) => {
    const bytes = [];
    for (const char of text) {
      const c = char.codePointAt(0);
      if (c < 0x80) bytes.push(c);
      else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return new Uint8Array(bytes);
  };
  const fromBase64 = (text) => {
    const clean = text.replace(/=+$/, "");
    const bytes = new Uint8Array(Math.floor((clean.length * 3) / 4));
    let bits = 0, value = 0, at = 0;
    for (const char of clean) {
      value = (value << 6) | alphabet.indexOf(char);
      bits += 6;
      if (bits >= 8) { bits -= 8; bytes[at++] = (value >> bits) & 255; }
    }
    return bytes;
  };
  const ctx = Object.freeze({
    llm: Object.freeze({
      chat: (request) => call("llm.chat", request),
      stream: (request) => stream("llm.stream", request),
    }),
    tools: Object.freeze({
      list: (server) => call("tools.list", { server }),
      call: (server, tool, args) => call("tools.call", { server, tool, arguments: args ?? {} }),
    }),
    pipelines: Object.freeze({ run: (name, inputs) => call("pipelines.run", { name, inputs: inputs ?? {} }) }),
    // An uploaded file's bytes: a text file's from its text, another's from the uploads store by its ref.
    files: Object.freeze({
      read: async (file) => {
        if (typeof file?.text === "string") return utf8(file.text);
        return fromBase64((await call("files.read", { ref: typeof file === "string" ? file : file?.ref })).base64);
      },
    }),
    log,
  });
  globalThis.console = Object.freeze({ log, info: log, warn: log, error: log, debug: log });

  // No code from strings: eval and every function constructor refuse.
  const refuse = function () { throw new EvalError("dynamic code is not allowed in a wrapper"); };
  for (const sample of [function () {}, async function () {}, function* () {}, async function* () {}]) {
    Object.defineProperty(Object.getPrototypeOf(sample), "constructor", { value: refuse, writable: false, configurable: false });
  }
  refuse.prototype = Function.prototype;
  Object.defineProperty(globalThis, "Function", { value: refuse, writable: false, configurable: false });
  Object.defineProperty(globalThis, "eval", { value: refuse, writable: false, configurable: false });

  const exportsOf = () => globalThis.${wrapperGlobal} ?? {};
  const exported = (name) => {
    const module = exportsOf();
    const found = module[name] ?? module.default?.[name];
    return typeof found === "function" ? found : undefined;
  };
  const textOf = (chunk) => {
    if (typeof chunk === "string") return chunk;
    const content = chunk?.choices?.[0]?.delta?.content ?? chunk?.choices?.[0]?.message?.content;
    return typeof content === "string" ? content : "";
  };
  globalThis.__switchyard_describe = () => {
    const module = exportsOf();
    return encode({
      inputs: module.inputs ?? module.default?.inputs ?? {},
      description: module.description ?? module.default?.description ?? "",
      functions: { setup: !!exported("setup"), runApi: !!exported("runApi"), runChatCompletion: !!exported("runChatCompletion") },
    });
  };
  globalThis.__switchyard_setup = async () => {
    const setup = exported("setup");
    if (setup) await setup(ctx);
    return "null";
  };
  globalThis.__switchyard_drive = async (name, argsText) => {
    const fn = exported(name);
    if (!fn) throw new TypeError("the wrapper exports no " + name + "()");
    const value = await fn(...JSON.parse(argsText), ctx);
    if (value !== null && typeof value === "object" && typeof value[Symbol.asyncIterator] === "function") {
      for await (const chunk of value) {
        const text = textOf(chunk);
        if (text) await call("emit", text);
      }
      return encode({ streamed: true });
    }
    return encode({ value });
  };
})();
`;
