import type { AwsClients } from '../aws/clients';
import type { CollectContext, ListCall } from '../services/resource-type';

interface Sender {
  send(command: unknown): Promise<unknown>;
}

/** Pages through a declared list call with the largest page size the API allows; never a cap. */
export async function* listPages<Raw, Output>(call: ListCall<Raw, Output>, clients: AwsClients, context?: CollectContext): AsyncGenerator<Raw[]> {
  const client = clients[call.client] as unknown as Sender;
  let token: string | undefined;
  do {
    const output = (await client.send(call.command({ token, maxResults: call.maxResults }, context))) as Output;
    yield call.items(output);
    const next = call.nextToken?.(output);
    if (next !== undefined && next === token) throw new Error(`${call.action} returned the same NextToken twice; stopping instead of looping`);
    token = next || undefined;
  } while (token);
}
