import { wrapperGlobal } from "./compile.ts";

/**
 * The JavaScript a sandbox runs before the wrapper: it takes the two host functions the worker
 * installed (`call(op, json) → Promise<json>` and `log(text)`) off the global object, builds
 * the context the wrapper's functions get (`ctx.llm`, `ctx.tools`, `ctx.pipelines`, `ctx.log`),
 * turns `eval`, `Function` and the other function constructors into errors, and leaves the
 * two entry points the worker calls: `describe()` and `drive(name, argsJson)`. Everything
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
