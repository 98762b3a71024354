import assert from "node:assert/strict";
import {
  formatSyslogLine,
  parseSyslogFacility,
  SYSLOG_FACILITIES,
  SYSLOG_TAG,
  syslogMessage,
  syslogTimestamp,
} from "../../lib/agent/syslog_format.ts";

Deno.test("parseSyslogFacility accepts go-syslog's names in any case", () => {
  assert.equal(parseSyslogFacility("LOCAL0"), 16);
  assert.equal(parseSyslogFacility("local7"), 23);
  assert.equal(parseSyslogFacility("Daemon"), 3);
  assert.equal(parseSyslogFacility("kern"), 0);
  assert.equal(parseSyslogFacility("authpriv"), 10);
  // The 20 names go-syslog knows, with the standard codes (no LOCAL8, no security/console).
  assert.equal(Object.keys(SYSLOG_FACILITIES).length, 20);
  for (const [name, code] of Object.entries(SYSLOG_FACILITIES)) {
    assert.equal(parseSyslogFacility(name.toLowerCase()), code);
  }
});

Deno.test("parseSyslogFacility rejects unknown names with Serf's text, upper-cased", () => {
  assert.throws(() => parseSyslogFacility("foo"), { message: "invalid syslog facility: FOO" });
  assert.throws(() => parseSyslogFacility(""), { message: "invalid syslog facility: " });
  assert.throws(() => parseSyslogFacility("local8"), { message: "invalid syslog facility: LOCAL8" });
});

Deno.test("syslogMessage maps each Serf level one step milder, as Serf's levelPriority does", () => {
  const severity = (level: string) => syslogMessage(`2026/12/02 05:10:00 [${level}] agent: x`).severity;
  assert.equal(severity("TRACE"), 7); // debug
  assert.equal(severity("DEBUG"), 6); // info
  assert.equal(severity("INFO"), 5); // notice
  assert.equal(severity("WARN"), 4); // warning
  assert.equal(severity("ERR"), 3); // err
  assert.equal(severity("CRIT"), 2); // crit
  assert.equal(severity("CUSTOM"), 5); // unknown: notice
});

Deno.test("syslogMessage drops Serf's date and level, keeping the rest of the line", () => {
  assert.deepEqual(syslogMessage("2026/12/02 05:10:00 [INFO] agent: Serf agent starting"), {
    severity: 5,
    message: "agent: Serf agent starting",
  });
  assert.deepEqual(syslogMessage("2026/12/02 05:10:00 [WARN] agent: a [b] c\n\tmore"), {
    severity: 4,
    message: "agent: a [b] c\n\tmore",
  });
  // No level: the whole line, at notice.
  assert.deepEqual(syslogMessage("handler output"), { severity: 5, message: "handler output" });
  assert.deepEqual(syslogMessage("open [ without close"), { severity: 5, message: "open [ without close" });
});

Deno.test("syslogTimestamp is Go's time.Stamp in local time, the day padded with a space", () => {
  assert.equal(syslogTimestamp(new Date(2026, 11, 2, 5, 10, 0).getTime()), "Dec  2 05:10:00");
  assert.equal(syslogTimestamp(new Date(2027, 0, 31, 23, 59, 59, 999).getTime()), "Jan 31 23:59:59");
});

Deno.test("formatSyslogLine writes <PRI>, time, tag[pid] and one trailing newline", () => {
  const base = {
    facility: 16,
    severity: 5,
    timeMs: new Date(2026, 11, 2, 5, 10, 0).getTime(),
    tag: SYSLOG_TAG,
    pid: 4242,
    message: "agent: Serf agent starting",
  };
  assert.equal(formatSyslogLine(base), "<133>Dec  2 05:10:00 serf[4242]: agent: Serf agent starting\n");
  assert.equal(formatSyslogLine({ ...base, message: "m\n" }), "<133>Dec  2 05:10:00 serf[4242]: m\n");
  assert.equal(formatSyslogLine({ ...base, message: "m\n\n" }), "<133>Dec  2 05:10:00 serf[4242]: m\n\n");
  assert.match(formatSyslogLine({ ...base, facility: 0, severity: 3 }), /^<3>/);
  assert.match(formatSyslogLine({ ...base, facility: 23, severity: 7 }), /^<191>/);
  assert.equal(SYSLOG_TAG, "serf");
});
