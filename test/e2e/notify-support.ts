/** Runs a command with console.log captured (the CLI commands print their result). */
export async function captured(action: () => Promise<number>): Promise<{ code: number; stdout: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => { lines.push(args.map(String).join(' ')); };
  try {
    return { code: await action(), stdout: lines.join('\n') };
  } finally {
    console.log = log;
  }
}
