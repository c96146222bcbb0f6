#!/usr/bin/env node
/**
 * The `vsd` command. Subcommands:
 *   vsd probe …   the equivariance probe on an installed plugin (see `vsd probe --help`)
 */
import "reflect-metadata";
import { initBackend } from "./backend.js";
import { VsdError } from "./errors.js";
import { PROBE_USAGE, runProbeCli } from "./probe/probe-cli.js";

const USAGE = `Usage: vsd <command> [options]

Commands:
  probe    measure how equivariant a decomposition's subtasks are (vsd probe --help)
`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h") {
    process.stdout.write(USAGE);
    return command ? 0 : 1;
  }
  if (command === "probe") {
    if (rest.includes("--help") || rest.includes("-h")) {
      process.stdout.write(PROBE_USAGE);
      return 0;
    }
    await initBackend();
    await runProbeCli(rest);
    return 0;
  }
  process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (VsdError.isInstance(error)) process.stderr.write(`vsd: ${error.code}: ${error.message}\n`);
    else process.stderr.write(`vsd: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
