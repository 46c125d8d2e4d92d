#!/usr/bin/env node
// The CLI's TypeScript source, run through tsx (a dependency of this package).
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
