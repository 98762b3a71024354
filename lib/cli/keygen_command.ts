/**
 * `serfts keygen`: prints a new random 32-byte key, base64-encoded, ready for
 * `-encrypt` or `serfts keys -install`.
 *
 * @module
 */
import type { Platform } from "../platform/platform.ts";
import type { CliCommand } from "./command.ts";
import { Ui } from "./output.ts";

const HELP = `Usage: serfts keygen

  Prints a new random encryption key for the agent's -encrypt option,
  already in the format the agent expects.`;

/** Standard base64 with padding, as Go's `base64.StdEncoding` writes it. */
function base64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

export const keygenCommand: CliCommand = {
  synopsis: "Generates a new encryption key",
  help: HELP,
  run(_args: string[], platform: Platform): Promise<number> {
    new Ui(platform).output(base64(crypto.getRandomValues(new Uint8Array(32))));
    return Promise.resolve(0);
  },
};
