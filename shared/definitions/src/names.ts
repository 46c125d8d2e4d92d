import { AppError } from "@switchyard/errors";

/**
 * Names every JavaScript object answers to (`Object.prototype`'s own properties, plus
 * `prototype`). A definition may not use them as the name of an input, component, output
 * or template variable: looked up with `in` or `[]` they find the prototype's function.
 */
export const reservedObjectNames: ReadonlySet<string> = new Set([
  "__proto__",
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "__lookupSetter__",
  "constructor",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "prototype",
  "toLocaleString",
  "toString",
  "valueOf",
]);

/** The value of a record's own property, never one inherited from `Object.prototype`. */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Refuses a reserved name with `invalid_definition`, naming where it was found. */
export function checkObjectName(name: string, where: string): void {
  if (!reservedObjectNames.has(name)) return;
  throw new AppError(
    "invalid_definition",
    `invalid definition: ${where}: '${name}' cannot be used as a name (every JavaScript object has a property of that name)`,
    { param: where },
  );
}

/** Checks every key of a mapping, when the value is one (before the schema reads it: zod drops `__proto__`). */
export function checkObjectKeys(value: unknown, where: string): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return;
  for (const key of Object.keys(value)) checkObjectName(key, `${where}.${key}`);
}
