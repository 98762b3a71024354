/**
 * Go-style command-line flags, as Serf's CLI accepts them: `-name=value`,
 * `-name value`, `--name=value`, booleans as `-flag` or `-flag=false`,
 * repeatable flags (`-tag a=b -tag c=d`), and parsing stops at the first
 * non-flag argument or `--`.
 *
 * @module
 */

/** Declaration of one flag. */
export interface FlagSpec {
  /** "string" and "int" take a value; "bool" does not need one; "list" repeats. */
  kind: "string" | "int" | "bool" | "list";
  /** Shown by `-h`. */
  usage: string;
  /** Value when the flag is absent (lists start empty). */
  default?: string | number | boolean;
}

/** Parsed flags and the remaining positional arguments. */
export interface ParsedFlags {
  values: Record<string, string | number | boolean | string[]>;
  /** Flags the user actually gave (to tell "unset" from "set to default"). */
  given: Set<string>;
  args: string[];
}

/** A usage error; the CLI prints it with the command's help and exits 1, as Go's flag package does. */
export class FlagError extends Error {
  override name = "FlagError";
}

const TRUE = new Set(["1", "t", "T", "true", "TRUE", "True"]);
const FALSE = new Set(["0", "f", "F", "false", "FALSE", "False"]);

/**
 * Parses `argv` against `specs`.
 * @throws {FlagError} for unknown flags, missing values, or bad numbers/booleans
 */
export function parseFlags(argv: string[], specs: Record<string, FlagSpec>): ParsedFlags {
  const values: ParsedFlags["values"] = {};
  for (const [name, spec] of Object.entries(specs)) {
    values[name] = spec.kind === "list" ? [] : spec.default ?? (spec.kind === "bool" ? false : "");
  }
  const given = new Set<string>();
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      i++;
      break;
    }
    if (!arg.startsWith("-") || arg === "-") break;
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq >= 0 ? body.slice(0, eq) : body;
    let value: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (name === "h" || name === "help") throw new FlagError("help requested");
    const spec = specs[name];
    if (!spec) throw new FlagError(`flag provided but not defined: -${name}`);
    if (spec.kind === "bool") {
      if (value === undefined) values[name] = true;
      else if (TRUE.has(value)) values[name] = true;
      else if (FALSE.has(value)) values[name] = false;
      else throw new FlagError(`invalid boolean value "${value}" for -${name}`);
    } else {
      if (value === undefined) {
        if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: -${name}`);
        value = argv[++i]!;
      }
      if (spec.kind === "int") {
        if (!/^-?\d+$/.test(value)) {
          throw new FlagError(`invalid value "${value}" for flag -${name}: parse error`);
        }
        values[name] = Number(value);
      } else if (spec.kind === "list") {
        (values[name] as string[]).push(value);
      } else {
        values[name] = value;
      }
    }
    given.add(name);
  }
  return { values, given, args: argv.slice(i) };
}

/** Renders flag help in the shape of Serf's command help. */
export function formatFlagHelp(specs: Record<string, FlagSpec>): string {
  return Object.entries(specs)
    .map(([name, spec]) => {
      const arg = spec.kind === "bool" ? "" : `=<${spec.kind === "int" ? "n" : "value"}>`;
      return `  -${name}${arg}`.padEnd(28) + spec.usage;
    })
    .join("\n");
}
