/**
 * `pnpm q4`: ELBO bits/dim and FID of a class-conditional diffusion model across
 * classifier-free guidance scales (paper Q4).
 *
 *   pnpm q4 [--preset tiny|default] [--seed N] [--out reports/q4-nll-vs-fid]
 */
import "reflect-metadata";
import { parseExampleArgs, runMain, usage } from "./example-kit.js";
import { runQ4 } from "./q4-nll-vs-fid-run.js";

const args = parseExampleArgs(process.argv.slice(2), "q4-nll-vs-fid");
if (args.help) {
  process.stdout.write(usage("pnpm q4", "guided ELBO and FID across classifier-free guidance scales (paper Q4)"));
  process.exit(0);
}
await runMain(() => runQ4(args));
