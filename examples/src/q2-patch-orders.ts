/**
 * `pnpm q2`: raster vs snake vs hilbert patch orders on MNIST — equivariance
 * probe (both spaces) and exact NLL of a patch AR model per order (paper Q2).
 *
 *   pnpm q2 [--preset tiny|default] [--seed N] [--out reports/q2-patch-orders]
 */
import "reflect-metadata";
import { parseExampleArgs, runMain, usage } from "./example-kit.js";
import { runQ2 } from "./q2-patch-orders-run.js";

const args = parseExampleArgs(process.argv.slice(2), "q2-patch-orders");
if (args.help) {
  process.stdout.write(usage("pnpm q2", "patch orders: equivariance probe and exact NLL per order (paper Q2)"));
  process.exit(0);
}
await runMain(() => runQ2(args));
