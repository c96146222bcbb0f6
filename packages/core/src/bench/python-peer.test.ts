import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { VsdError } from "../errors.js";
import { runPythonPeer } from "./python-peer.js";

const PYTHON = "/usr/bin/python3";

describe.skipIf(!existsSync(PYTHON))("runPythonPeer", () => {
  it("parses the last stdout line as JSON and passes the arguments", () => {
    const r = runPythonPeer<{ args: string[]; sum: number }>(
      `import sys, json
print("warming up")
print("step 1 of 1")
print(json.dumps({"args": sys.argv[1:], "sum": int(sys.argv[1]) + int(sys.argv[2])}))`,
      ["2", "40"],
    );
    expect(r).toEqual({ ok: true, value: { args: ["2", "40"], sum: 42 } });
  });

  it("puts interpreter flags before -c", () => {
    const r = runPythonPeer<string[]>("import sys, json; print(json.dumps(sys.warnoptions))", [], { pythonArgs: ["-W", "ignore"] });
    expect(r).toEqual({ ok: true, value: ["ignore"] });
  });

  it("reports a non-zero exit with the last stderr line", () => {
    const r = runPythonPeer(`import sys
print("partial output")
print("some log line", file=sys.stderr)
raise ValueError("no torch here")`);
    expect(r).toEqual({ ok: false, error: `${PYTHON} exited with code 1: ValueError: no torch here` });
  });

  it("reports an explicit exit code without stderr", () => {
    expect(runPythonPeer("import sys; sys.exit(3)")).toEqual({ ok: false, error: `${PYTHON} exited with code 3` });
  });

  it("reports a kill by a signal", () => {
    const r = runPythonPeer("import os, signal; os.kill(os.getpid(), signal.SIGKILL)");
    expect(r).toEqual({ ok: false, error: `${PYTHON} killed by SIGKILL` });
  });

  it("reports output that is not JSON, quoting its last line", () => {
    const r = runPythonPeer(`print('{"ms": 1.5}')
print("12.5 ms per step, torch 1.13")`);
    expect(r).toEqual({ ok: false, error: "unparseable output (last stdout line, not JSON): 12.5 ms per step, torch 1.13" });
  });

  it("reports a script that prints nothing", () => {
    expect(runPythonPeer("pass")).toEqual({ ok: false, error: `${PYTHON} printed nothing on stdout` });
  });

  it("kills a script that runs past timeoutMs", () => {
    const t0 = performance.now();
    const r = runPythonPeer("import time; time.sleep(30)", [], { timeoutMs: 500 });
    expect(r).toEqual({ ok: false, error: `${PYTHON} timed out after 500 ms` });
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});

describe("runPythonPeer without an interpreter", () => {
  it("reports a missing interpreter instead of throwing", () => {
    const missing = "/nonexistent/vsd/python3";
    expect(runPythonPeer("print(1)", [], { python: missing })).toEqual({ ok: false, error: `${missing} not found` });
  });

  it("rejects a timeout that is not a positive number", () => {
    for (const timeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      let caught: unknown;
      try {
        runPythonPeer("print(1)", [], { timeoutMs, python: "/nonexistent/vsd/python3" });
      } catch (e) {
        caught = e;
      }
      expect(VsdError.isInstance(caught) && caught.code).toBe("INVALID_ARGUMENT");
    }
  });
});
