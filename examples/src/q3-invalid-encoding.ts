/**
 * `pnpm q3`: the paper's Table 1 protocol (invalid encoding vs RQ depth).
 *
 *   pnpm q3 [--preset tiny|default] [--seed N] [--out reports/q3-invalid-encoding]
 */
import "reflect-metadata";
import { parseExampleArgs, runMain, usage } from "./example-kit.js";
import { runQ3 } from "./q3-invalid-encoding-run.js";

const args = parseExampleArgs(process.argv.slice(2), "q3-invalid-encoding");
if (args.help) {
  process.stdout.write(usage("pnpm q3", "share of RQ tokenizer runs with invalid encoding per depth and depth-loss weighting (paper Q3, Table 1)"));
  process.exit(0);
}
await runMain(() => runQ3(args));
