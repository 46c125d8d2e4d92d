import ts from "typescript";

export type Rule = "no-json-parse" | "no-process-env" | "max-lines" | "no-export-star" | "casts";

export interface Violation {
  path: string;
  line: number;
  rule: Rule;
  message: string;
}

export interface CastEntry {
  file: string;
  /** Text of the asserted type, whitespace collapsed; a double cast reads "unknown as T". */
  type: string;
  why: string;
  /** Line of the entry in allowlist.json, filled in by the loader for reporting. */
  line?: number;
}

export interface Allowlist {
  codecs: string[];
  casts: CastEntry[];
}

export interface Cast {
  file: string;
  type: string;
  line: number;
}

export const MAX_LINES = 400;
export const ALLOWLIST_PATH = "tools/check-rules/allowlist.json";
export const TODO_WHY = "TODO: say why";

const GENERATED = "shared/grpc/src/generated/";

export function isGenerated(path: string): boolean {
  return path.startsWith(GENERATED);
}

/** `services/*\/src/**` and `shared/*\/src/**`, minus tests, the testing package and generated code. */
export function isProduction(path: string): boolean {
  return (
    /^(services|shared)\/[^/]+\/src\//.test(path) && !path.endsWith(".test.ts") && !path.startsWith("shared/testing/") && !isGenerated(path)
  );
}

/** Files allowed to read `process.env`: any `config.ts`, a service's `src/main.ts`, and the config package. */
export function mayReadEnv(path: string): boolean {
  const name = path.slice(path.lastIndexOf("/") + 1);
  return name === "config.ts" || /^services\/[^/]+\/src\/main\.ts$/.test(path) || path.startsWith("shared/config/src/");
}

export function countLines(text: string): number {
  if (text === "") return 0;
  const lines = text.split("\n").length;
  return text.endsWith("\n") ? lines - 1 : lines;
}

function unwrap(node: ts.Expression): ts.Expression {
  let current = node;
  while (ts.isParenthesizedExpression(current)) current = current.expression;
  return current;
}

/** `name` or `globalThis.name` (also `global.name`). */
function isGlobal(node: ts.Expression, name: string): boolean {
  const expr = unwrap(node);
  if (ts.isIdentifier(expr)) return expr.text === name;
  return (
    ts.isPropertyAccessExpression(expr) &&
    expr.name.text === name &&
    ts.isIdentifier(expr.expression) &&
    (expr.expression.text === "globalThis" || expr.expression.text === "global")
  );
}

/** `obj.member`, `obj?.member` or `obj["member"]` where obj is the global `owner`. */
function isMemberOf(node: ts.Node, owner: string, member: string): boolean {
  if (ts.isPropertyAccessExpression(node)) return node.name.text === member && isGlobal(node.expression, owner);
  if (ts.isElementAccessExpression(node)) {
    const arg = node.argumentExpression;
    return ts.isStringLiteralLike(arg) && arg.text === member && isGlobal(node.expression, owner);
  }
  return false;
}

/** `const { env } = process` and `import { env } from "node:process"`. */
function isEnvBinding(node: ts.Node): boolean {
  if (ts.isVariableDeclaration(node) && ts.isObjectBindingPattern(node.name) && node.initializer) {
    if (!isGlobal(node.initializer, "process")) return false;
    return node.name.elements.some((el) => {
      const key = el.propertyName ?? el.name;
      return (ts.isIdentifier(key) || ts.isStringLiteral(key)) && key.text === "env";
    });
  }
  if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
    const from = node.moduleSpecifier.text;
    const bindings = node.importClause?.namedBindings;
    if ((from !== "process" && from !== "node:process") || !bindings || !ts.isNamedImports(bindings)) return false;
    return bindings.elements.some((el) => (el.propertyName ?? el.name).text === "env");
  }
  return false;
}

/** What an env read looks like in a message (`process.env.HOME`, `process.env`), marking the inner access as seen. */
function envRead(node: ts.Node, seen: Set<ts.Node>): string | undefined {
  if (
    (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) &&
    isMemberOf(unwrap(node.expression), "process", "env")
  ) {
    seen.add(unwrap(node.expression));
    const key = ts.isPropertyAccessExpression(node) ? node.name.text : node.argumentExpression;
    return typeof key === "string" ? `process.env.${key}` : ts.isStringLiteralLike(key) ? `process.env.${key.text}` : "process.env[...]";
  }
  if (isMemberOf(node, "process", "env")) return "process.env";
  return isEnvBinding(node) ? "env from process" : undefined;
}

function isExportStar(node: ts.Node): boolean {
  if (!ts.isExportDeclaration(node)) return false;
  return node.exportClause === undefined || ts.isNamespaceExport(node.exportClause);
}

type Assertion = ts.AsExpression | ts.TypeAssertion;

function isAssertion(node: ts.Node): node is Assertion {
  return (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) && !ts.isConstTypeReference(node.type);
}

/** `x as unknown as T`: the inner step to unknown/any, folded into the outer cast. */
function innerWidening(node: Assertion): Assertion | undefined {
  const inner = unwrap(node.expression);
  if (!isAssertion(inner)) return undefined;
  const kind = inner.type.kind;
  return kind === ts.SyntaxKind.UnknownKeyword || kind === ts.SyntaxKind.AnyKeyword ? inner : undefined;
}

function typeText(node: ts.TypeNode, sf: ts.SourceFile): string {
  return node.getText(sf).replace(/\s+/g, " ");
}

export interface Scan {
  casts: Cast[];
  violations: Violation[];
}

/** One parse, one walk: casts found (production only) and the AST-based rule violations. */
export function scanSource(path: string, text: string, allowlist: Allowlist): Scan {
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const production = isProduction(path);
  const checkJson = production && !allowlist.codecs.includes(path);
  const checkEnv = production && !mayReadEnv(path);
  const casts: Cast[] = [];
  const violations: Violation[] = [];
  const folded = new Set<ts.Node>();
  const seen = new Set<ts.Node>();
  const lineOf = (node: ts.Node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const report = (node: ts.Node, rule: Rule, message: string) => violations.push({ path, line: lineOf(node), rule, message });

  const visit = (node: ts.Node): void => {
    if (isExportStar(node)) report(node, "no-export-star", "`export *` hides what a module exports; name the exports");
    if (production && isAssertion(node) && !folded.has(node)) {
      const inner = innerWidening(node);
      if (inner) folded.add(inner);
      const type = inner ? `${typeText(inner.type, sf)} as ${typeText(node.type, sf)}` : typeText(node.type, sf);
      casts.push({ file: path, type, line: lineOf(node) });
    }
    if (checkJson && isMemberOf(node, "JSON", "parse")) {
      report(node, "no-json-parse", "JSON.parse outside the codec files; decode with a schema through a codec");
    }
    if (checkEnv && !seen.has(node)) {
      const what = envRead(node, seen);
      if (what) report(node, "no-process-env", `${what} outside config.ts / a service's src/main.ts / shared/config; pass config in`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { casts, violations };
}

function staleEntry(entry: CastEntry, reason: string): Violation {
  return {
    path: ALLOWLIST_PATH,
    line: entry.line ?? 1,
    rule: "casts",
    message: `stale entry ${entry.file} \`${entry.type}\`: ${reason}; remove it (or run --write-allowlist)`,
  };
}

/** Matches casts to the file's allow-list entries one to one: unmatched casts and unmatched entries are both violations. */
export function compareCasts(path: string, casts: Cast[], entries: CastEntry[]): Violation[] {
  const remaining = entries.filter((entry) => entry.file === path);
  const violations: Violation[] = [];
  for (const cast of casts) {
    const index = remaining.findIndex((entry) => entry.type === cast.type);
    if (index >= 0) {
      remaining.splice(index, 1);
      continue;
    }
    violations.push({
      path,
      line: cast.line,
      rule: "casts",
      message: `type assertion to \`${cast.type}\` is not on the allow-list (${ALLOWLIST_PATH}); remove it or add an entry with a why`,
    });
  }
  const reason = isProduction(path) ? "no such cast in the code" : "not production code";
  for (const entry of remaining) violations.push(staleEntry(entry, reason));
  return violations;
}

/** All per-file rules for one file. */
export function checkSource(path: string, text: string, allowlist: Allowlist): Violation[] {
  const { casts, violations } = scanSource(path, text, allowlist);
  const lines = countLines(text);
  if (!isGenerated(path) && lines > MAX_LINES) {
    violations.push({
      path,
      line: MAX_LINES + 1,
      rule: "max-lines",
      message: `${lines} lines, over the ${MAX_LINES}-line limit; split the file`,
    });
  }
  violations.push(...compareCasts(path, casts, allowlist.casts));
  return violations;
}

/** Checks of the allow-list itself: entries for files that are not checked, and entries without a reason. */
export function checkAllowlist(allowlist: Allowlist, checkedPaths: ReadonlySet<string>): Violation[] {
  const violations: Violation[] = [];
  for (const entry of allowlist.casts) {
    if (!checkedPaths.has(entry.file)) violations.push(staleEntry(entry, "file is not a tracked .ts file"));
    if (entry.why.trim() === "" || entry.why === TODO_WHY) {
      violations.push({
        path: ALLOWLIST_PATH,
        line: entry.line ?? 1,
        rule: "casts",
        message: `entry ${entry.file} \`${entry.type}\` needs a why`,
      });
    }
  }
  return violations;
}

export function compareViolations(a: Violation, b: Violation): number {
  return a.path.localeCompare(b.path) || a.line - b.line || a.rule.localeCompare(b.rule);
}

export function formatViolation(v: Violation): string {
  return `${v.path}:${v.line}: ${v.rule}: ${v.message}`;
}
