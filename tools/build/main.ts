// `pnpm build`: each service (and the `pnpm start` launcher) as one JavaScript file,
// services/<name>/dist/main.js, so nothing compiles TypeScript at run time. Tests keep
// running from source; `pnpm start`, the image and the benchmark run these files.
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const services = readdirSync(join(repoRoot, "services"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

const skip = Symbol("resolving a package");

/** Services that run code pipelines also get the sandbox's worker thread, as `dist/sandbox-worker.js` (the pool looks beside itself). */
const sandboxWorker = join(repoRoot, "shared", "sandbox", "src", "worker.ts");
const usesSandbox = (service: string) =>
  readFileSync(join(repoRoot, "services", service, "package.json"), "utf8").includes('"@switchyard/sandbox"');

/**
 * Switchyard's own code (relative imports and `@switchyard/*`) goes into the bundle; every
 * other package stays outside, imported from where it is installed. Libraries find their own
 * files (protos, workers, package.json) next to themselves, and load exactly as they do under
 * tsx. The import is rewritten to the installed file as esbuild resolves it (Node's `import`
 * conditions, symlinks followed), relative to the bundle, so the tree can move as a whole.
 */
function packagesOutside(outdir: string): Plugin {
  return {
    name: "packages-outside",
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === skip || args.path.startsWith("@switchyard/")) return undefined;
        const resolved = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: skip });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        if (resolved.external || !resolved.path.includes(`${sep}node_modules${sep}`)) return resolved;
        return { path: `./${relative(outdir, resolved.path).split(sep).join("/")}`.replace(/^\.\/\.\.\//, "../"), external: true };
      });
    },
  };
}

const started = Date.now();
await Promise.all(
  services.map((service) => {
    const outdir = join(repoRoot, "services", service, "dist");
    // Chunk names change with their content: nothing of an earlier build may linger beside this one.
    rmSync(outdir, { recursive: true, force: true });
    return build({
      entryPoints: {
        main: join(repoRoot, "services", service, "src", "main.ts"),
        ...(usesSandbox(service) ? { "sandbox-worker": sandboxWorker } : {}),
      },
      outdir,
      // What a service imports dynamically (the Redis client, the MCP SDK, …) becomes a chunk of its
      // own, loaded when first used, instead of being loaded at start with the rest.
      splitting: true,
      chunkNames: "chunk-[hash]",
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      plugins: [packagesOutside(outdir)],
      sourcemap: "linked",
      legalComments: "none",
      logLevel: "warning",
    });
  }),
);
console.log(`built ${services.length} services into services/*/dist in ${Date.now() - started} ms`);
