import { VsdError, scatterPng, writeFileAtomic } from "@vsd/core";
import { type Interval, type PowerLawFit, type PowerLawOptions, fitPowerLaw } from "./power-law.js";

/** One measured model: e.g. `{name: "S", x: 32.28e6 params, y: weighted loss}`. */
export interface ScalePoint {
  readonly name: string;
  readonly x: number;
  readonly y: number;
}

/** A model to predict; `y`, when known, gives the prediction error. */
export interface ScaleTarget {
  readonly name: string;
  readonly x: number;
  readonly y?: number;
}

export interface ScalePrediction {
  readonly name: string;
  readonly x: number;
  readonly predicted: number;
  /** Bootstrap interval of the prediction, when the fit has intervals. */
  readonly interval?: Interval;
  readonly actual?: number;
  /** predicted − actual. */
  readonly error?: number;
  /** |predicted − actual| / |actual|. */
  readonly relativeError?: number;
}

export interface PredictFromScalesOptions extends PowerLawOptions {
  /** Write the plot (PNG) here, atomically. */
  readonly plotPath?: string;
  /** @default "x" */
  readonly xLabel?: string;
  /** @default "loss" */
  readonly yLabel?: string;
  /** @default "Scaling-law fit and prediction" */
  readonly title?: string;
}

export interface ScalePredictionResult {
  readonly fit: PowerLawFit;
  readonly predictions: readonly ScalePrediction[];
  /** The plot as PNG bytes. */
  readonly plot: Uint8Array;
}

/**
 * Fits a power law to small models (e.g. S, M, L) and predicts larger ones
 * (e.g. XL) with their error, as VSD Question 6 / Figure 3 does for the
 * importance-weighted loss against parameters (y = a·x^(−b)) and against
 * iterations (y = c + a·x^(−b), `offset: true`). The plot shows the fitted
 * points, the targets (measured and predicted) and the curve, on log-x axes.
 */
export async function predictFromScales(
  points: readonly ScalePoint[],
  targets: readonly ScaleTarget[],
  options: PredictFromScalesOptions = {},
): Promise<ScalePredictionResult> {
  if (targets.length === 0) throw new VsdError("INVALID_ARGUMENT", "predictFromScales: no targets to predict.");
  const fit = fitPowerLaw(
    points.map((p) => p.x),
    points.map((p) => p.y),
    options,
  );
  const predictions = targets.map((t): ScalePrediction => {
    if (!(t.x > 0)) throw new VsdError("INVALID_RANGE", `predictFromScales: target "${t.name}" has x = ${t.x}.`);
    const predicted = fit.predict(t.x);
    const interval = fit.predictInterval?.(t.x);
    const base = { name: t.name, x: t.x, predicted, ...(interval ? { interval } : {}) };
    if (t.y === undefined) return base;
    const error = predicted - t.y;
    return { ...base, actual: t.y, error, relativeError: Math.abs(error) / Math.abs(t.y) };
  });
  const xs = [...points.map((p) => p.x), ...targets.map((t) => t.x)];
  const lo = Math.log(Math.min(...xs));
  const hi = Math.log(Math.max(...xs));
  const grid = Array.from({ length: 60 }, (_, i) => Math.exp(lo + ((hi - lo) * i) / 59));
  const law =
    fit.c === undefined
      ? `y = ${fit.a.toPrecision(3)}·x^(−${fit.b.toPrecision(3)})`
      : `y = ${fit.c.toPrecision(3)} + ${fit.a.toPrecision(3)}·x^(−${fit.b.toPrecision(3)})`;
  const plot = await scatterPng({
    title: options.title ?? "Scaling-law fit and prediction",
    xLabel: options.xLabel ?? "x",
    yLabel: options.yLabel ?? "loss",
    logX: true,
    points: [
      ...points.map((p) => ({ x: p.x, y: p.y, series: "fitted" })),
      ...predictions.filter((p) => p.actual !== undefined).map((p) => ({ x: p.x, y: p.actual!, series: "measured (held out)" })),
      ...predictions.map((p) => ({ x: p.x, y: p.predicted, series: "predicted" })),
    ],
    fit: { x: grid, y: grid.map((x) => fit.predict(x)), name: law },
  });
  if (options.plotPath) writeFileAtomic(options.plotPath, plot);
  return { fit, predictions, plot };
}
