import type { AwsClients } from '../aws/clients';
import type { CollectContext, ListCall } from './resource-type';

interface Sender {
  send(command: unknown): Promise<unknown>;
}

/** Pages through a declared list call with the largest page size the API allows; never a cap. */
export async function* listPages<Raw, Output>(call: ListCall<Raw, Output>, clients: AwsClients, context?: CollectContext): AsyncGenerator<Raw[]> {
  const client = clients.get<Sender>(call.client);
  let token: string | undefined;
  do {
    const output = (await client.send(call.command({ token, maxResults: call.maxResults }, context))) as Output;
    yield call.items(output, context);
    const next = call.nextToken?.(output);
    if (next !== undefined && next === token) throw new Error(`${call.action} returned the same NextToken twice; stopping instead of looping`);
    token = next || undefined;
  } while (token);
}

/**
 * The pages of a listing with the next one always on its way: while the caller stores a page, the listing
 * (and the page's enrichment calls) goes on, so AWS's latency overlaps the store's work instead of adding to
 * it. At most two pages are held. A page's error surfaces when that page is reached, as without read-ahead;
 * a caller that stops early leaves the listing to end after the page in flight.
 */
export async function* readAhead<T>(pages: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  const iterator = pages[Symbol.asyncIterator]();
  let next = iterator.next();
  let finished = false;
  try {
    for (;;) {
      const current = await next;
      if (current.done) {
        finished = true;
        return;
      }
      next = iterator.next();
      // Awaited on the next turn; until then a failure must not count as unhandled.
      next.catch(() => {});
      yield current.value;
    }
  } catch (error) {
    finished = true;
    throw error;
  } finally {
    if (!finished) void next.then(() => iterator.return?.(), () => {}).catch(() => {});
  }
}
