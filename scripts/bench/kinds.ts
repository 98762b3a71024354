/**
 * The two kinds of agent the suite compares, and how to start each: the real
 * `serf` binary, and serfts either as the built `dist/serfts` or under
 * `deno run cli.ts` (`--serfts=deno`).
 */

/** Which implementation a process runs. */
export type Kind = "serf" | "serfts";

/** How to run one kind's executable: the program and the arguments that come before the subcommand. */
export interface Runner {
  kind: Kind;
  /** Human-readable, for the report ("/usr/bin/serf", "dist/serfts (bun build --compile)"). */
  label: string;
  program: string;
  prefix: string[];
  /** Removes what the runner set up (a private copy of the binary). */
  cleanup?: () => Promise<void>;
}

/** The command line for `<kind> <args...>`. */
export function commandLine(runner: Runner, args: string[]): [string, string[]] {
  return [runner.program, [...runner.prefix, ...args]];
}

const root = new URL("../..", import.meta.url).pathname;

/** The repository root, with a trailing slash. */
export function repoRoot(): string {
  return root;
}

/** The runner for `serf` at `path`. */
export function serfRunner(path: string): Runner {
  return { kind: "serf", label: path, program: path, prefix: [] };
}

/**
 * The runner for serfts: `dist/serfts` (built with `deno task build` when
 * missing) or, with `mode: "deno"`, `deno run cli.ts` on the current Deno.
 * @throws {Error} when the build fails
 */
export async function serftsRunner(mode: "binary" | "deno"): Promise<Runner> {
  if (mode === "deno") {
    return {
      kind: "serfts",
      label: "deno run cli.ts",
      program: Deno.execPath(),
      prefix: ["run", "-A", "--unstable-net", `${root}cli.ts`],
    };
  }
  const binary = `${root}dist/serfts`;
  if (!exists(binary)) {
    console.log("bench: dist/serfts is missing; building it with `deno task build`");
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${root}scripts/build.ts`],
      cwd: root,
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (!out.success || !exists(binary)) {
      throw new Error("Cannot build dist/serfts: `deno task build` failed");
    }
  }
  // Run a private copy: other work on the machine may rebuild dist/serfts during a 20-minute run.
  const dir = await Deno.makeTempDir({ prefix: "serfts-bench-bin-" });
  await Deno.copyFile(binary, `${dir}/serfts`);
  await Deno.chmod(`${dir}/serfts`, 0o755);
  return {
    kind: "serfts",
    label: "dist/serfts (a copy taken at the start)",
    program: `${dir}/serfts`,
    prefix: [],
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
