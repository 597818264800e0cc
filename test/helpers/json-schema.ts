/**
 * A focused JSON Schema validator for the subset coordinator/openapi.ts uses ($ref into the
 * document, allOf, type — one or several, "integer" included —, enum, required, properties,
 * items). No validator package is among foldnet's dependencies.
 * @module
 */

type Schema = Record<string, unknown>;

const typeOf = (v: unknown): string[] => {
  if (v === null) return ["null"];
  if (Array.isArray(v)) return ["array"];
  if (typeof v === "number") return Number.isInteger(v) ? ["integer", "number"] : ["number"];
  return [typeof v];
};

/** The problems of `value` against `schema` (none when it is valid); `root` resolves $refs. */
export function validate(schema: Schema, value: unknown, root: Schema, at = "$"): string[] {
  if (typeof schema.$ref === "string") {
    const target = schema.$ref
      .slice(2)
      .split("/")
      .reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], root) as Schema | undefined;
    if (target === undefined) return [`${at}: unknown $ref ${schema.$ref}`];
    return validate(target, value, root, at);
  }
  const errors: string[] = [];
  for (const part of (schema.allOf as Schema[] | undefined) ?? [])
    errors.push(...validate(part, value, root, at));
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!typeOf(value).some((t) => types.includes(t)))
      return [...errors, `${at}: ${JSON.stringify(value)?.slice(0, 60)} is not ${types.join("|")}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    errors.push(`${at}: ${String(value)} is not one of ${schema.enum.join(", ")}`);
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    for (const name of (schema.required as string[] | undefined) ?? [])
      if (!(name in o)) errors.push(`${at}: missing ${name}`);
    for (const [name, sub] of Object.entries((schema.properties as Record<string, Schema>) ?? {}))
      if (name in o) errors.push(...validate(sub, o[name], root, `${at}.${name}`));
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    for (const [i, item] of value.entries())
      errors.push(...validate(schema.items as Schema, item, root, `${at}[${i}]`));
  }
  return errors;
}
