/** A progress bar for a terminal's stderr: `[#####.....] 120/270 settings`, redrawn in place (\r). */
export function progressBar(err: { write(s: string): unknown }, width = 30): (done: number, total: number) => void {
  return (done, total) => {
    const full = Math.round((done / total) * width);
    err.write(`\r[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${done}/${total} settings`);
  };
}

/** The bar when `stream` is a terminal, else nothing (a log file or a pipe gets no control characters). */
export function progressFor(stream: { write(s: string): unknown; isTTY?: boolean }): ((done: number, total: number) => void) | undefined {
  return stream.isTTY ? progressBar(stream) : undefined;
}
