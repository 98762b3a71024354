import assert from "node:assert/strict";
import { levelAllows, LogWriter } from "../../lib/agent/log_writer.ts";

Deno.test("levelAllows filters on the first bracketed level, passing lines without one", () => {
  assert.ok(levelAllows("INFO", "2026/01/01 00:00:00 [INFO] agent: x"));
  assert.ok(levelAllows("INFO", "2026/01/01 00:00:00 [ERR] agent: x"));
  assert.ok(!levelAllows("INFO", "2026/01/01 00:00:00 [DEBUG] agent: x"));
  assert.ok(levelAllows("TRACE", "2026/01/01 00:00:00 [TRACE] agent: x"));
  assert.ok(levelAllows("ERR", "continuation line of a script's output"));
  assert.ok(levelAllows("ERR", "[CUSTOM] unknown levels pass"));
});

Deno.test("LogWriter keeps the last lines and replays them to new subscribers by level", () => {
  const logs = new LogWriter(3);
  for (const l of ["[INFO] a", "[DEBUG] b", "[INFO] c", "[WARN] d\n"]) logs.write(l);
  assert.deepEqual(logs.recent(), ["[DEBUG] b", "[INFO] c", "[WARN] d"]);
  const got: string[] = [];
  const off = logs.subscribe("INFO", (l) => got.push(l));
  assert.deepEqual(got, ["[INFO] c", "[WARN] d"]);
  logs.write("[DEBUG] e");
  logs.write("[ERR] f");
  assert.deepEqual(got.slice(2), ["[ERR] f"]);
  const fn = (l: string) => got.push(`x${l}`);
  logs.subscribe("ERR", fn, false);
  logs.setLevel(fn, "DEBUG");
  logs.write("[DEBUG] g");
  assert.deepEqual(got.slice(3), ["x[DEBUG] g"]);
  off();
  logs.write("[ERR] h");
  assert.deepEqual(got.slice(4), ["x[ERR] h"]);
});

Deno.test("LogWriter survives a throwing subscriber", () => {
  const logs = new LogWriter();
  const got: string[] = [];
  logs.subscribe("TRACE", () => {
    throw new Error("broken");
  });
  logs.subscribe("TRACE", (l) => got.push(l));
  logs.write("[INFO] still delivered");
  assert.deepEqual(got, ["[INFO] still delivered"]);
});
