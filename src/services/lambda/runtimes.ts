/**
 * Lambda runtimes past their deprecation date, with that date. Source: AWS Lambda Developer Guide, "Lambda runtimes",
 * table "Deprecated runtimes" (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html#runtimes-deprecated),
 * read 2026. Add a runtime here when AWS deprecates it.
 */
export const DEPRECATED_RUNTIMES: Readonly<Record<string, string>> = {
  'python2.7': '2021-07-15',
  'python3.6': '2022-07-18',
  'python3.7': '2023-12-04',
  'python3.8': '2024-10-14',
  nodejs: '2016-10-31',
  'nodejs4.3': '2020-03-05',
  'nodejs6.10': '2019-08-12',
  'nodejs8.10': '2020-03-06',
  'nodejs10.x': '2021-07-30',
  'nodejs12.x': '2023-03-31',
  'nodejs14.x': '2023-12-04',
  'nodejs16.x': '2024-06-12',
  'ruby2.5': '2021-07-30',
  'ruby2.7': '2023-12-07',
  'dotnetcore1.0': '2019-07-30',
  'dotnetcore2.0': '2019-05-30',
  'dotnetcore2.1': '2022-01-05',
  'dotnetcore3.1': '2023-04-03',
  'dotnet5.0': '2022-05-10',
  dotnet6: '2024-12-20',
  'go1.x': '2023-12-31',
  // Java 8 on Amazon Linux 1; `java8.al2` is supported.
  java8: '2024-01-08',
  // The OS-only runtime on Amazon Linux 1; `provided.al2` and `provided.al2023` are supported.
  provided: '2023-12-31',
};

/** The date a runtime was deprecated, or null for a supported one (and for container images, which have none). */
export function deprecationDate(runtime: unknown): string | null {
  return typeof runtime === 'string' && Object.hasOwn(DEPRECATED_RUNTIMES, runtime) ? (DEPRECATED_RUNTIMES[runtime] ?? null) : null;
}
