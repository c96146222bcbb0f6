/**
 * `pnpm q5`: uniform-ε vs min-SNR-5 vs Laplace importance sampling vs
 * logit-normal vs EDM at equal steps — importance-weighted loss, FID and
 * loss per λ bin (paper Q5).
 *
 *   pnpm q5 [--preset tiny|default] [--seed N] [--out reports/q5-snr-conflicts]
 */
import "reflect-metadata";
import { parseExampleArgs, runMain, usage } from "./example-kit.js";
import { runQ5 } from "./q5-snr-conflicts-run.js";

const args = parseExampleArgs(process.argv.slice(2), "q5-snr-conflicts");
if (args.help) {
  process.stdout.write(usage("pnpm q5", "SNR balancing strategies at equal steps: importance-weighted loss, FID, loss per λ bin (paper Q5)"));
  process.exit(0);
}
await runMain(() => runQ5(args));
