import { CredentialName, envCredentialName, type McpServerConfig } from "@switchyard/contracts";
import { redactValues } from "@switchyard/telemetry";

/**
 * A credential's value by name, from the access service's store; undefined when no such credential exists. Any
 * other failure (the access service unreachable) throws, with a message that names the credential, never a value.
 */
export type CredentialSource = (name: string) => Promise<string | undefined>;

const envReferencePattern = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** The NAME of a `${NAME}` value (a variable of the service's environment), else undefined. */
export function envReference(value: string): string | undefined {
  return envReferencePattern.exec(value)?.[1];
}

const referencePrefix = "${credential:";
const referencePattern = /^\$\{credential:([^}]*)\}$/;

/** The NAME of a value that is exactly `${credential:NAME}` (NAME a valid credential name), else undefined. */
export function credentialReference(value: string): string | undefined {
  const name = referencePattern.exec(value)?.[1];
  return name !== undefined && CredentialName.safeParse(name).success ? name : undefined;
}

const valuesOf = (config: McpServerConfig) =>
  "command" in config
    ? Object.entries(config.env).map(([key, value]) => ({ where: `env ${key}`, value }))
    : Object.entries(config.headers).map(([key, value]) => ({ where: `header ${key}`, value }));

/**
 * Credentials a server's values read, sorted, each once: those its `${credential:NAME}` values name, and `env.NAME` for
 * each `${NAME}` (a value a client may supply in the store instead of the service's environment).
 */
export function requiredCredentials(config: McpServerConfig): string[] {
  const names = valuesOf(config).flatMap(({ value }) => {
    const credential = credentialReference(value);
    if (credential !== undefined) return [credential];
    const variable = envReference(value);
    return variable === undefined ? [] : [envCredentialName(variable)];
  });
  return [...new Set(names)].sort();
}

/**
 * Why a server's credential references are malformed, or undefined. A value that mentions `${credential:` but is not
 * exactly a reference would reach the server as literal text: refused, naming the variable or header (a literal value
 * may itself be a secret, so it is never quoted).
 */
export function credentialReferenceProblem(config: McpServerConfig): string | undefined {
  const bad = valuesOf(config).find(({ value }) => value.includes(referencePrefix) && credentialReference(value) === undefined);
  if (!bad) return undefined;
  return (
    `${bad.where}: a credential reference must be the whole value, exactly \${credential:NAME} ` +
    "with NAME 1-64 letters, digits, '_', '.' or '-' (starting with a letter or digit)"
  );
}

export interface ResolvedCredentials {
  /** The keys whose value is a credential reference, each with the credential's value; other keys are not here. */
  values: Record<string, string>;
  /** Credentials the store does not hold. */
  missing: string[];
  /** The plaintext values read, to keep out of anything the service logs or shows. */
  secrets: string[];
}

/**
 * Reads the credential of each `${credential:NAME}` value, once per name. Only those keys are resolved: a value is
 * either an environment reference, a credential reference or literal, and is never expanded twice. A source that
 * throws makes this throw (nothing is half-resolved).
 */
export async function resolveCredentials(declared: Record<string, string>, source: CredentialSource): Promise<ResolvedCredentials> {
  const references = Object.entries(declared).flatMap(([key, value]) => {
    const name = credentialReference(value);
    return name === undefined ? [] : [{ key, name }];
  });
  const names = [...new Set(references.map(({ name }) => name))].sort();
  const read = new Map(await Promise.all(names.map(async (name) => [name, await source(name)] as const)));
  const values: Record<string, string> = {};
  for (const { key, name } of references) {
    const value = read.get(name);
    if (value !== undefined) values[key] = value;
  }
  const missing = names.filter((name) => read.get(name) === undefined);
  const secrets = [...read.values()].filter((value): value is string => value !== undefined);
  // Known process-wide too: every log line, and every error message this service sends, is scrubbed of them.
  redactValues(secrets);
  return { values, missing, secrets };
}

/** Shorter values are not masked in text: masking "ab" would garble every message and hide nothing worth hiding. */
const shortestMasked = 4;

/**
 * A function that replaces every occurrence of the given values with `[credential]`: what a server prints on stderr or
 * an error message it sends may echo its environment or headers, and those end up in the log and in lastError.
 */
export function redactor(secrets: readonly string[]): (text: string) => string {
  // Longest first, so a value that contains another is masked whole.
  const masked = [...new Set(secrets)]
    .filter((secret) => secret.length >= shortestMasked)
    .sort((left, right) => right.length - left.length);
  if (masked.length === 0) return (text) => text;
  return (text) => masked.reduce((result, secret) => result.split(secret).join("[credential]"), text);
}
