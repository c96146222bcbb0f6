/**
 * Registers tfjs's gradient functions. `@tensorflow/tfjs-core`'s Node bundle
 * ships without them (only the union package `@tensorflow/tfjs` registers
 * them, from `tfjs-core/src/register_all_gradients.ts`), so without this
 * import every `tf.grad`/`variableGrads` fails with "gradient function not
 * found". The registry is global, so importing it once anywhere suffices.
 */
import "@tensorflow/tfjs";
