/**
 * `pnpm q6`: fit a power law to the importance-weighted loss of S/M/L noise
 * models, predict XL, train XL, compare (paper Q6).
 *
 *   pnpm q6 [--preset tiny|default] [--seed N] [--out reports/q6-scaling-law]
 */
import "reflect-metadata";
import { parseExampleArgs, runMain, usage } from "./example-kit.js";
import { runQ6 } from "./q6-scaling-law-run.js";

const args = parseExampleArgs(process.argv.slice(2), "q6-scaling-law");
if (args.help) {
  process.stdout.write(usage("pnpm q6", "scaling law: fit S/M/L, predict XL, train XL, compare (paper Q6)"));
  process.exit(0);
}
await runMain(() => runQ6(args));
