import { VsdError } from "../errors.js";

/** A table cell: numbers are formatted, `null`/`undefined` print as "—". */
export type MarkdownCell = string | number | boolean | null | undefined;

/** Options of {@link markdownTable}. */
export interface MarkdownTableOptions {
  /** Per-column alignment. @default "right" for columns whose cells are all numbers, else "left" */
  readonly align?: readonly ("left" | "right" | "center")[];
  /** Significant digits of non-integer numbers. @default 4 */
  readonly digits?: number;
}

/**
 * A GitHub-flavoured Markdown table. Pipes in cells are escaped and newlines
 * become `<br>`, so any text is safe; every row must have one cell per header.
 */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly MarkdownCell[])[],
  options: MarkdownTableOptions = {},
): string {
  if (headers.length === 0) throw new VsdError("INVALID_ARGUMENT", "markdownTable: needs at least one column.");
  rows.forEach((row, i) => {
    if (row.length !== headers.length) {
      throw new VsdError("INVALID_SHAPE", `markdownTable: row ${i} has ${row.length} cells; expected ${headers.length}.`);
    }
  });
  const digits = options.digits ?? 4;
  const align = headers.map(
    (_, c) => options.align?.[c] ?? (rows.length > 0 && rows.every((r) => typeof r[c] === "number") ? "right" : "left"),
  );
  const rule = align.map((a) => (a === "right" ? "---:" : a === "center" ? ":---:" : "---"));
  const line = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;
  return [
    line(headers.map(escapeCell)),
    line(rule),
    ...rows.map((r) => line(r.map((v) => escapeCell(formatCell(v, digits))))),
  ].join("\n") + "\n";
}

function formatCell(v: MarkdownCell, digits: number): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number") {
    if (Number.isNaN(v)) return "NaN";
    if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
    if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
    // toPrecision, without trailing zeros or exponent noise for ordinary magnitudes.
    return String(Number(v.toPrecision(digits)));
  }
  return String(v);
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");
}
