import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ImageDataset } from "../dataset.js";
import { VsdError } from "../errors.js";
import { loadIdxSplits } from "./load-idx.js";

/** Where Debian's `dataset-fashion-mnist` package installs the files (`dpkg -L dataset-fashion-mnist`). */
export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

/** Options of {@link loadFashionMnist}. */
export interface FashionMnistOptions {
  /** Keep only the first `trainLimit` of the 60,000 train images. @default all */
  readonly trainLimit?: number;
  /** Keep only the first `testLimit` of the 10,000 test images. @default all */
  readonly testLimit?: number;
}

/**
 * Fashion-MNIST (Xiao et al. 2017; 28×28×1, 10 classes, 60,000 train / 10,000
 * test) from the four standard IDX files, gzipped or not, in `dir`.
 */
export function loadFashionMnist(dir: string = FASHION_MNIST_DIR, options: FashionMnistOptions = {}): ImageDataset {
  const file = (stem: string): string => {
    const gz = join(dir, `${stem}.gz`);
    const raw = join(dir, stem);
    if (existsSync(gz)) return gz;
    if (existsSync(raw)) return raw;
    throw new VsdError(
      "IO_ERROR",
      `Fashion-MNIST file ${stem}(.gz) not found in ${dir}; on Debian/Ubuntu install it with \`apt-get install dataset-fashion-mnist\`, or pass the directory that holds the IDX files.`,
    );
  };
  return loadIdxSplits(
    {
      train: { images: file("train-images-idx3-ubyte"), labels: file("train-labels-idx1-ubyte") },
      test: { images: file("t10k-images-idx3-ubyte"), labels: file("t10k-labels-idx1-ubyte") },
    },
    {
      name: "fashion-mnist",
      numClasses: 10,
      ...(options.trainLimit !== undefined ? { trainLimit: options.trainLimit } : {}),
      ...(options.testLimit !== undefined ? { testLimit: options.testLimit } : {}),
    },
  );
}
