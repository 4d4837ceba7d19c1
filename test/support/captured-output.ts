import { afterEach, beforeEach, jest } from '@jest/globals';

/**
 * Captures what the process writes (Powertools' logger and metrics write to stdout) for each test of the file: the
 * lines of stdout, and of stderr too when `stderr` is true (otherwise stderr is silenced).
 */
export function capturedOutput(options: { stderr: boolean }): { lines(): string[] } {
  let lines: string[] = [];
  let spies: { mockRestore(): void }[] = [];
  beforeEach(() => {
    lines = [];
    const capture = (chunk: unknown): boolean => { lines.push(...String(chunk).split('\n').filter(Boolean)); return true; };
    spies = [
      jest.spyOn(process.stdout, 'write').mockImplementation(capture as typeof process.stdout.write),
      jest.spyOn(process.stderr, 'write').mockImplementation((options.stderr ? capture : () => true) as typeof process.stderr.write),
    ];
  });
  afterEach(() => spies.forEach((spy) => spy.mockRestore()));
  return { lines: () => lines };
}
