import { posix } from "node:path";
import { AppError } from "@switchyard/errors";
import { build, type Loader, type Message, type Plugin } from "esbuild";
import { wrapperGlobal } from "./protocol.ts";

/** A compiled bundle is refused past this (it is stored with the definition and loaded into every sandbox). */
export const maxBundleBytes = 512 * 1024;

const loaders = new Map<string, Loader>([
  [".ts", "ts"],
  [".mts", "ts"],
  [".js", "js"],
  [".mjs", "js"],
  [".json", "json"],
]);
const extensions = [...loaders.keys()];

const namespace = "deploy";

/** A relative import resolved among the deploy's own files, as a bundler would: exact, with an extension, or an index. */
function resolveAmong(files: Record<string, string>, importer: string, specifier: string): string | undefined {
  const base = posix.normalize(posix.join(posix.dirname(importer), specifier));
  if (base.startsWith("..")) return undefined;
  const candidates = [base, ...extensions.map((ext) => `${base}${ext}`), ...extensions.map((ext) => `${base}/index${ext}`)];
  // A `.js` import of a `.ts` file (TypeScript's own convention).
  if (base.endsWith(".js")) candidates.push(`${base.slice(0, -3)}.ts`);
  return candidates.find((candidate) => Object.hasOwn(files, candidate));
}

/**
 * What the bundler may read: the deploy's files, by relative path, and nothing else — not
 * the disk, not a package, not a Node built-in. Any other import is a deploy error.
 */
function deployFilesOnly(files: Record<string, string>): Plugin {
  return {
    name: "deploy-files-only",
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === "entry-point") return { path: args.path, namespace };
        const relative = args.path.startsWith("./") || args.path.startsWith("../");
        const found = relative ? resolveAmong(files, args.importer, args.path) : undefined;
        if (found) return { path: found, namespace };
        return {
          errors: [
            {
              text: relative
                ? `'${args.path}' is not among the deployed files`
                : `'${args.path}' cannot be imported: a wrapper imports only the files deployed with it, by relative path`,
            },
          ],
        };
      });
      build.onLoad({ filter: /.*/, namespace }, (args) => {
        const loader = loaders.get(posix.extname(args.path));
        if (!loader) return { errors: [{ text: `'${args.path}' is not a TypeScript, JavaScript or JSON file` }] };
        return { contents: files[args.path] ?? "", loader };
      });
    },
  };
}

export interface CompiledWrapper {
  /** One script: the wrapper and its modules. */
  bundle: string;
  /** Its source map (positions only), to name the deployed file and line of a run-time error. */
  sourceMap?: string;
}

/** `file:line:column: text`, as a compile error names its place. */
const placed = (message: Message) =>
  message.location ? `${message.location.file}:${message.location.line}:${message.location.column + 1}: ${message.text}` : message.text;

/**
 * Compiles a code pipeline: the wrapper and the files it imports (TypeScript or JavaScript),
 * bundled by esbuild into one script for the sandbox, its exports left in {@link wrapperGlobal}.
 * A syntax or type-stripping error, or an import of anything but the deploy's own files, is
 * `invalid_definition` naming the file and line.
 */
export async function compileWrapper(files: Record<string, string>, entry: string): Promise<CompiledWrapper> {
  let output: string;
  let sourceMap: string | undefined;
  try {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: "iife",
      outfile: "pipeline_wrapper.js",
      sourcemap: "external",
      sourcesContent: false,
      globalName: wrapperGlobal,
      platform: "neutral",
      target: "es2023",
      plugins: [deployFilesOnly(files)],
      logLevel: "silent",
      legalComments: "none",
      charset: "utf8",
    });
    output = result.outputFiles.find((file) => file.path.endsWith(".js"))?.text ?? "";
    sourceMap = result.outputFiles.find((file) => file.path.endsWith(".map"))?.text;
  } catch (error) {
    const messages: Message[] = error instanceof Error && "errors" in error && Array.isArray(error.errors) ? error.errors : [];
    const first = messages[0];
    const more = messages.length > 1 ? ` (and ${messages.length - 1} more)` : "";
    throw new AppError("invalid_definition", `the wrapper does not compile: ${first ? placed(first) : String(error)}${more}`, {
      param: first?.location?.file ?? entry,
      cause: error,
    });
  }
  if (Buffer.byteLength(output) > maxBundleBytes) {
    throw new AppError("invalid_definition", `the compiled wrapper is larger than ${maxBundleBytes} bytes`, { param: entry });
  }
  // The map only names positions (no sources inside); past the bound, errors keep the bundle's positions.
  return { bundle: output, ...(sourceMap && Buffer.byteLength(sourceMap) <= maxBundleBytes ? { sourceMap } : {}) };
}
