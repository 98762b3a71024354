/**
 * `serfts version`: prints the serfts version and the Serf protocol range it speaks.
 *
 * @module
 */
import type { Platform } from "../platform/platform.ts";
import type { CliCommand } from "./command.ts";
import { Ui } from "./output.ts";

/** serfts version, printed by `serfts version`. */
export const VERSION = "0.1.0";

export const versionCommand: CliCommand = {
  synopsis: "Prints the Serf version",
  help: "",
  run(_args: string[], platform: Platform): Promise<number> {
    const ui = new Ui(platform);
    ui.output(`serfts v${VERSION}`);
    ui.output("Agent Protocol: 5 (Understands back to: 2)");
    return Promise.resolve(0);
  },
};
