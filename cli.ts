/**
 * Entry point of the `serfts` binary: picks the runtime's platform and runs
 * the command line.
 *
 * @module
 */
import { detectPlatform } from "./lib/platform/detect.ts";
import { main } from "./lib/cli/main.ts";

const platform = await detectPlatform();
platform.exit(await main(platform.args(), platform));
