import type { Batch, ImageShape } from "../dataset.js";
import { imageDims } from "../dataset.js";
import type { Subtask } from "../decomposition.js";
import { VsdError } from "../errors.js";

/**
 * Checks a training/evaluation batch against the image shape a model was built
 * for: images `[n, h, w, c]` of that shape and n·h·w·c 8-bit pixels.
 */
export function checkImageBatch(batch: Batch, shape: ImageShape): void {
  const [n, h, w, c] = batch.images.shape;
  if (h !== shape.height || w !== shape.width || c !== shape.channels) {
    throw new VsdError("INVALID_SHAPE", `Batch images [${batch.images.shape.join(", ")}] do not match the model's ${shape.height}×${shape.width}×${shape.channels}.`);
  }
  const dims = imageDims(shape);
  if (batch.pixels.length !== n * dims) {
    throw new VsdError("INVALID_SHAPE", `Batch has ${batch.pixels.length} pixels for ${n} images of ${dims}.`);
  }
}

/** The finite `logSnr` param of a noise-level subtask (as the noise and learnable plugins define them). */
export function subtaskLogSnr(subtask: Subtask, caller = "subtaskLoss"): number {
  const lambda = subtask.params["logSnr"];
  if (lambda === undefined || !Number.isFinite(lambda)) {
    throw new VsdError("INVALID_ARGUMENT", `${caller}: subtask "${subtask.key}" has no finite logSnr param.`);
  }
  return lambda;
}
