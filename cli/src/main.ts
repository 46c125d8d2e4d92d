import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { parseArgs } from "node:util";
import { parseJsonOrUndefined } from "@switchyard/contracts";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { chat, chatName } from "./chat.ts";
import { CliError, type Connection, call, exitCodes } from "./client.ts";
import { watch } from "./watch.ts";

const usage = `switchyard: the Switchyard gateway from the command line

  switchyard status                                 what is deployed
  switchyard deploy FILE|DIR [--name N] [--overwrite]
                                                    a pipeline.yaml, or a directory (Hayhooks' deploy_files)
  switchyard undeploy NAME
  switchyard run NAME [--param k=<json>]... [--file F]... [--dir D]... [--background [--watch]]
                                                    run it (files go as a multipart upload; --background
                                                    submits a durable execution and prints its id)
  switchyard chat NAME [--system TEXT]              talk to it, streamed (Ctrl-C stops an answer, Ctrl-D leaves)
  switchyard executions list [--status S] | show ID | cancel ID | watch ID
  switchyard keys list | create NAME --role R | revoke ID           (admin)
  switchyard credentials list | set NAME (value on stdin) | delete NAME   (admin)

Options: --url (SWITCHYARD_URL, default http://127.0.0.1:1416), --api-key (SWITCHYARD_API_KEY), --json.
Exit codes: 0 done, 1 the gateway refused or the run failed, 2 bad usage, 3 the gateway is unreachable.`;

const Name = z.object({ name: z.string().min(1) });

function print(value: unknown, json: boolean, human: () => string): void {
  process.stdout.write(`${json ? JSON.stringify(value) : human()}\n`);
}

/** `k=<json>`: the value as JSON, or as a string when it is not JSON (Hayhooks' `--param 'query="..."'`). */
function param(entry: string): [string, unknown] {
  const at = entry.indexOf("=");
  if (at <= 0) throw new CliError(`--param takes key=<json>, not '${entry}'`, exitCodes.usage);
  const raw = entry.slice(at + 1);
  return [entry.slice(0, at), parseJsonOrUndefined(z.unknown(), raw) ?? raw];
}

const filesIn = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesIn(join(dir, entry.name)) : entry.isFile() ? [join(dir, entry.name)] : [],
  );

function readable(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`, exitCodes.usage);
  }
}

const textTypes: Record<string, string> = {
  ".md": "text/markdown",
  ".json": "application/json",
  ".yaml": "application/yaml",
  ".yml": "application/yaml",
  ".csv": "text/csv",
  ".html": "text/html",
};

async function deploy(connection: Connection, target: string, name: string | undefined, overwrite: boolean) {
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(target);
  } catch {
    throw new CliError(`no such file or directory: ${target}`, exitCodes.usage);
  }
  if (stats.isDirectory()) {
    const files = Object.fromEntries(
      filesIn(target).map((file) => [file.slice(target.length).replace(/^\/+/, ""), readable(file).toString("utf8")]),
    );
    return call(connection, "POST", "/deploy_files", { name: name ?? basename(target), files, overwrite, save_files: false });
  }
  const source = readable(target).toString("utf8");
  const declared = Name.safeParse(parseYaml(source));
  const chosen = name ?? (declared.success ? declared.data.name : basename(target, extname(target)));
  return call(connection, "POST", "/deploy-yaml", { name: chosen, source_code: source, overwrite });
}

async function run(connection: Connection, name: string, params: string[], files: string[], dirs: string[]) {
  const inputs = Object.fromEntries(params.map(param));
  const uploads = [...files, ...dirs.flatMap(filesIn)];
  if (uploads.length === 0) return call(connection, "POST", `/${encodeURIComponent(name)}/run`, inputs);
  const form = new FormData();
  for (const [key, value] of Object.entries(inputs)) form.append(key, JSON.stringify(value));
  for (const file of uploads) {
    const type = textTypes[extname(file).toLowerCase()] ?? "text/plain";
    form.append("files", new Blob([readable(file)], { type }), basename(file));
  }
  return call(connection, "POST", `/${encodeURIComponent(name)}/run`, form);
}

/** `run --background`: a durable execution of the pipeline; its id, or its events with `--watch`. */
async function submit(connection: Connection, name: string, params: string[], follow: boolean, json: boolean): Promise<number> {
  const inputs = Object.fromEntries(params.map(param));
  const submitted = z
    .object({ id: z.string(), status: z.string() })
    .passthrough()
    .parse(await call(connection, "POST", `/v1/pipelines/${encodeURIComponent(name)}/runs`, inputs));
  if (follow) return watch(connection, submitted.id, json);
  print(submitted, json, () => submitted.id);
  return exitCodes.ok;
}

const Listed = z.object({ items: z.array(z.record(z.string(), z.unknown())) }).passthrough();
const field = (item: Record<string, unknown>, key: string) => String(item[key] ?? "");

async function keys(connection: Connection, [action, target]: string[], role: string | undefined, json: boolean): Promise<number> {
  if (action === "list") {
    const page = Listed.parse(await call(connection, "GET", "/v1/keys"));
    print(page, json, () =>
      page.items.map((key) => `${field(key, "id")}  ${field(key, "role").padEnd(9)} ${field(key, "name")}`).join("\n"),
    );
    return exitCodes.ok;
  }
  if (action === "create" && target) {
    if (!role) throw new CliError("keys create needs --role admin|developer|invoke|read", exitCodes.usage);
    const created = z
      .object({ id: z.string(), secret: z.string() })
      .passthrough()
      .parse(await call(connection, "POST", "/v1/keys", { name: target, role }));
    // The only time the secret is shown.
    print(created, json, () => `${created.id}\n${created.secret}`);
    return exitCodes.ok;
  }
  if (action === "revoke" && target) {
    await call(connection, "DELETE", `/v1/keys/${encodeURIComponent(target)}`);
    print({ revoked: target }, json, () => `revoked ${target}`);
    return exitCodes.ok;
  }
  throw new CliError("keys takes list, create NAME --role R or revoke ID", exitCodes.usage);
}

/** A secret is read from stdin (never an argument: those show in `ps` and shell history), without its final newline. */
async function stdinSecret(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  const value = Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
  if (!value)
    throw new CliError("credentials set reads the value from stdin: echo -n VALUE | switchyard credentials set NAME", exitCodes.usage);
  return value;
}

async function credentials(connection: Connection, [action, target]: string[], json: boolean): Promise<number> {
  if (action === "list") {
    const page = Listed.parse(await call(connection, "GET", "/v1/credentials"));
    print(page, json, () =>
      page.items.map((item) => `${field(item, "name")}  ${field(item, "type").padEnd(8)} ${field(item, "masked")}`).join("\n"),
    );
    return exitCodes.ok;
  }
  if (action === "set" && target) {
    const stored = await call(connection, "PUT", `/v1/credentials/${encodeURIComponent(target)}`, { value: await stdinSecret() });
    print(stored, json, () => `stored ${target}`);
    return exitCodes.ok;
  }
  if (action === "delete" && target) {
    await call(connection, "DELETE", `/v1/credentials/${encodeURIComponent(target)}`);
    print({ deleted: target }, json, () => `deleted ${target}`);
    return exitCodes.ok;
  }
  throw new CliError("credentials takes list, set NAME (value on stdin) or delete NAME", exitCodes.usage);
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: "string" },
      "api-key": { type: "string" },
      json: { type: "boolean", default: false },
      overwrite: { type: "boolean", default: false },
      name: { type: "string" },
      param: { type: "string", multiple: true, default: [] },
      file: { type: "string", multiple: true, default: [] },
      dir: { type: "string", multiple: true, default: [] },
      status: { type: "string" },
      background: { type: "boolean", default: false },
      watch: { type: "boolean", default: false },
      system: { type: "string" },
      role: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${usage}\n`);
    return values.help ? exitCodes.ok : exitCodes.usage;
  }
  const connection: Connection = {
    url: values.url ?? process.env.SWITCHYARD_URL ?? "http://127.0.0.1:1416",
    apiKey: values["api-key"] ?? process.env.SWITCHYARD_API_KEY,
  };
  const json = values.json;
  const needs = (count: number, what: string) => {
    if (rest.length < count) throw new CliError(`${command} needs ${what}`, exitCodes.usage);
  };
  switch (command) {
    case "status": {
      const status = z.object({ pipelines: z.array(z.string()) }).parse(await call(connection, "GET", "/status"));
      print(status, json, () => (status.pipelines.length ? status.pipelines.join("\n") : "nothing deployed"));
      return exitCodes.ok;
    }
    case "deploy": {
      needs(1, "a FILE or DIR");
      const deployed = await deploy(connection, rest[0] ?? "", values.name, values.overwrite);
      print(deployed, json, () => `deployed ${Name.parse(deployed).name}`);
      return exitCodes.ok;
    }
    case "undeploy": {
      needs(1, "a NAME");
      const answer = await call(connection, "POST", `/undeploy/${encodeURIComponent(rest[0] ?? "")}`);
      print(answer ?? {}, json, () => `undeployed ${rest[0]}`);
      return exitCodes.ok;
    }
    case "run": {
      needs(1, "a NAME");
      if (values.background) return submit(connection, rest[0] ?? "", values.param, values.watch, json);
      const answer = await run(connection, rest[0] ?? "", values.param, values.file, values.dir);
      const result = z.object({ result: z.unknown() }).safeParse(answer);
      print(answer, json, () => JSON.stringify(result.success ? result.data.result : answer, null, 2));
      return exitCodes.ok;
    }
    case "executions": {
      const [action, id] = rest;
      if (action === "list") {
        const query = values.status ? `?status=${encodeURIComponent(values.status)}` : "";
        const page = z
          .object({ items: z.array(z.object({ id: z.string(), name: z.string(), status: z.string() })) })
          .passthrough()
          .parse(await call(connection, "GET", `/v1/executions${query}`));
        print(
          page,
          json,
          () => page.items.map((item) => `${item.id}  ${item.status.padEnd(10)} ${item.name}`).join("\n") || "no executions",
        );
        return exitCodes.ok;
      }
      if ((action === "show" || action === "cancel") && id) {
        const path = `/v1/executions/${encodeURIComponent(id)}${action === "cancel" ? "/cancel" : ""}`;
        const execution = await call(connection, action === "cancel" ? "POST" : "GET", path);
        print(execution, json, () => JSON.stringify(execution, null, 2));
        return exitCodes.ok;
      }
      if (action === "watch" && id) return watch(connection, id, json);
      throw new CliError("executions takes list, show ID, cancel ID or watch ID", exitCodes.usage);
    }
    case "chat":
      return chat(connection, chatName(rest), values.system);
    case "keys":
      return keys(connection, rest, values.role, json);
    case "credentials":
      return credentials(connection, rest, json);
    default:
      throw new CliError(`unknown command '${command}' (switchyard --help lists them)`, exitCodes.usage);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  const known = error instanceof CliError;
  const message = known ? error.message : error instanceof Error ? error.message : String(error);
  process.stderr.write(`switchyard: ${message}\n`);
  process.exitCode = known ? error.code : exitCodes.usage;
}
