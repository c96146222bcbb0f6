import { VsdError } from "../errors.js";

/** Throws `INVALID_RANGE` unless every value is finite (and positive on a log axis). */
export function checkValues(what: string, values: readonly number[], log = false): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new VsdError("INVALID_RANGE", `${what}[${i}] is ${v}; expected a finite number.`);
    if (log && !(v > 0)) {
      throw new VsdError("INVALID_RANGE", `${what}[${i}] is ${v}; a log axis needs positive values.`);
    }
  }
}

/** Common chart options. */
export interface ChartFrame {
  readonly title: string;
  /** Plot width in CSS pixels. @default 480 */
  readonly width?: number;
  /** Plot height in CSS pixels. @default 300 */
  readonly height?: number;
  /** Pixel density of the PNG. @default 2 */
  readonly scale?: number;
}

export function frameSize(o: ChartFrame): { width: number; height: number } {
  const width = o.width ?? 480;
  const height = o.height ?? 300;
  if (!(width > 0 && height > 0)) throw new VsdError("INVALID_RANGE", `Chart size must be positive, got ${width}×${height}.`);
  return { width, height };
}

export function scaleOption(o: ChartFrame): { scale?: number } {
  return o.scale !== undefined ? { scale: o.scale } : {};
}
