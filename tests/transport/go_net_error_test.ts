/**
 * go_net_error.ts turns the error shapes Deno and Bun throw (recorded from
 * both runtimes on Linux) into Go's `net` texts, which Serf relays verbatim.
 */
import assert from "node:assert/strict";
import { StreamEndedError } from "../../lib/codec/stream_reader.ts";
import {
  errnoName,
  goDialErrorText,
  goDialTimeoutText,
  goListenErrorText,
  goStreamErrorText,
  goTransportListenErrorText,
  lookupFailure,
} from "../../lib/transport/go_net_error.ts";
import { TimeoutError } from "../../lib/util/errors.ts";

/** What each runtime throws, as observed (message, and the Node-style fields Bun adds). */
const denoRefused = Object.assign(new Error("Connection refused (os error 111)"), {
  name: "ConnectionRefused",
  code: "ECONNREFUSED",
});
const bunRefused = Object.assign(new Error("Failed to connect"), {
  code: "ECONNREFUSED",
  errno: -111,
  syscall: "connect",
});
const denoNoHost = new Error("failed to lookup address information: Name or service not known");
const bunNoHost = Object.assign(new Error("getaddrinfo ENOTFOUND nosuch.invalid"), {
  code: "ENOTFOUND",
  errno: 4,
  syscall: "getaddrinfo",
});
const bunInUse = Object.assign(new Error("Failed to listen at 127.0.0.1"), { code: "EADDRINUSE", errno: 98 });
const denoNoAddr = new Error("Cannot assign requested address (os error 99)");

Deno.test("errnoName reads Bun's code, Deno's os error number, and one level of cause", () => {
  assert.equal(errnoName(bunRefused), "ECONNREFUSED");
  assert.equal(errnoName(new Error("Connection reset by peer (os error 104)")), "ECONNRESET");
  assert.equal(errnoName(denoNoAddr), "EADDRNOTAVAIL");
  assert.equal(errnoName(new Error("wrapped", { cause: denoRefused })), "ECONNREFUSED");
  assert.equal(errnoName(new Error("no code here")), undefined);
  assert.equal(errnoName("a string"), undefined);
});

Deno.test("goDialErrorText words refused connects and failed lookups from either runtime as Go does", () => {
  const to = { host: "127.0.0.1", port: 1 };
  for (const err of [denoRefused, bunRefused]) {
    assert.equal(goDialErrorText(to, err), "dial tcp 127.0.0.1:1: connect: connection refused");
  }
  assert.equal(
    goDialErrorText({ host: "::1", port: 7946 }, new Error("No route to host (os error 113)")),
    "dial tcp [::1]:7946: connect: no route to host",
  );
  for (const err of [denoNoHost, bunNoHost]) {
    assert.equal(
      goDialErrorText({ host: "nosuch.invalid", port: 1 }, err),
      "dial tcp: lookup nosuch.invalid: no such host",
    );
  }
  assert.equal(
    goDialErrorText(to, new Error("something new")),
    "dial tcp 127.0.0.1:1: connect: something new",
    "an unknown error keeps its message",
  );
  assert.equal(goDialTimeoutText(to), "dial tcp 127.0.0.1:1: i/o timeout");
});

Deno.test("lookupFailure keeps a resolver reason Go has no fixed text for", () => {
  assert.equal(lookupFailure(bunNoHost), "no such host");
  assert.equal(
    lookupFailure(new Error("failed to lookup address information: Temporary failure in name resolution")),
    "Temporary failure in name resolution",
  );
  assert.equal(lookupFailure(bunRefused), undefined);
});

Deno.test("goStreamErrorText: EOF, unexpected EOF, read timeouts and resets name both ends", () => {
  const ends = { local: { host: "127.0.0.1", port: 50000 }, remote: { host: "127.0.0.1", port: 7946 } };
  assert.equal(goStreamErrorText(new StreamEndedError("ended", 0), ends), "EOF");
  assert.equal(goStreamErrorText(new StreamEndedError("ended", 3), ends), "unexpected EOF");
  assert.equal(
    goStreamErrorText(new TimeoutError("Cannot read stream: deadline exceeded"), ends),
    "read tcp 127.0.0.1:50000->127.0.0.1:7946: i/o timeout",
  );
  assert.equal(
    goStreamErrorText(Object.assign(new Error("reset"), { code: "ECONNRESET" }), ends),
    "read tcp 127.0.0.1:50000->127.0.0.1:7946: read: connection reset by peer",
  );
  assert.equal(
    goStreamErrorText(new TimeoutError("late"), { remote: ends.remote }),
    "read tcp 127.0.0.1:7946: i/o timeout",
    "without our end, only the peer is named",
  );
  assert.equal(goStreamErrorText(new Error("remote error: boom"), ends), "remote error: boom");
});

Deno.test("goListenErrorText and goTransportListenErrorText: bind failures in net's and memberlist's words", () => {
  const at = { host: "127.0.0.1", port: 7946 };
  assert.equal(
    goListenErrorText("tcp", at, bunInUse),
    "listen tcp 127.0.0.1:7946: bind: address already in use",
  );
  assert.equal(
    goTransportListenErrorText("tcp", { host: "10.9.9.9", port: 7946 }, denoNoAddr),
    'Failed to start TCP listener on "10.9.9.9" port 7946: listen tcp 10.9.9.9:7946: bind: cannot assign requested address',
  );
  assert.equal(
    goTransportListenErrorText(
      "udp",
      at,
      Object.assign(new Error("bind EADDRINUSE 127.0.0.1"), { code: "EADDRINUSE" }),
    ),
    'Failed to start UDP listener on "127.0.0.1" port 7946: listen udp 127.0.0.1:7946: bind: address already in use',
  );
});
