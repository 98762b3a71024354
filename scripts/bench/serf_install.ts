/**
 * Finds the real HashiCorp `serf` binary, installing the Debian package
 * (`apt-get install -y serf`) when it is missing.
 */

const CANDIDATES = ["/usr/bin/serf", "/usr/local/bin/serf"];

function find(): string | undefined {
  for (const p of CANDIDATES) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The path of `serf`, installed on the way if needed.
 * @throws {Error} with what to do by hand when it cannot be installed
 */
export async function ensureSerf(): Promise<string> {
  const found = find();
  if (found) return found;
  console.log("bench: serf is not installed; running `apt-get install -y serf`");
  const sudo = Deno.uid?.() === 0 ? [] : ["sudo", "-n"];
  const run = async (args: string[]) => {
    try {
      const [cmd, ...rest] = [...sudo, ...args];
      const out = await new Deno.Command(cmd!, {
        args: rest,
        env: { DEBIAN_FRONTEND: "noninteractive" },
        stdout: "inherit",
        stderr: "inherit",
      }).output();
      return out.success;
    } catch {
      return false;
    }
  };
  await run(["apt-get", "update", "-qq"]);
  await run(["apt-get", "install", "-y", "-qq", "serf"]);
  const installed = find();
  if (installed) return installed;
  throw new Error(
    "Cannot run the benchmarks: serf is not installed and `apt-get install -y serf` failed " +
      "(run it as root, or install HashiCorp Serf 0.9.x at /usr/bin/serf)",
  );
}
