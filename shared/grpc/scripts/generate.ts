// Regenerates the TypeScript types for every proto in protos/ (run `pnpm gen:protos`).
import { execFileSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const outDir = join(root, "shared", "grpc", "src", "generated");
const protos = readdirSync(join(root, "protos")).filter((file) => file.endsWith(".proto"));

rmSync(outDir, { recursive: true, force: true });
execFileSync(
  join(root, "shared", "grpc", "node_modules", ".bin", "proto-loader-gen-types"),
  [
    ...protos.map((file) => join("protos", file)),
    "--grpcLib=@grpc/grpc-js",
    "--longs=String",
    "--enums=String",
    "--defaults",
    "--oneofs",
    "--importFileExtension=.ts",
    `--outDir=${outDir}`,
    "--includeDirs",
    "protos",
  ],
  { stdio: "inherit", cwd: root },
);
