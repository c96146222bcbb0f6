import { VsdError } from "../errors.js";

/**
 * A Markdown table padded to column width, so it reads as a table in a
 * terminal as well as rendered: `| a   | b |`, then `|-----|---|`. Cells are
 * text (the benchmark formats its numbers); pipes are escaped and newlines
 * become `<br>`, as in `markdownTable` (src/report/markdown-table.ts), which
 * is the unpadded form for reports. Ends without a newline.
 */
export function formatBenchTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  if (header.length === 0) throw new VsdError("INVALID_ARGUMENT", "formatBenchTable: needs at least one column.");
  rows.forEach((row, i) => {
    if (row.length !== header.length) {
      throw new VsdError("INVALID_SHAPE", `formatBenchTable: row ${i} has ${row.length} cells; expected ${header.length}.`);
    }
  });
  const head = header.map(escapeCell);
  const body = rows.map((r) => r.map(escapeCell));
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((r) => r[c]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((s, c) => s.padEnd(widths[c]!)).join(" | ")} |`;
  return [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join("\n");
}

/** Prints {@link formatBenchTable} to stdout. */
export function printBenchTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  console.log(formatBenchTable(header, rows));
}

/** `x.toFixed(digits)`, or `missing` when there is no finite number (a skipped peer). */
export function fixed(x: number | undefined, digits = 1, missing = "—"): string {
  return x === undefined || !Number.isFinite(x) ? missing : x.toFixed(digits);
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");
}
