import { describe, it, expect, afterAll } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { EC2Client } from '@aws-sdk/client-ec2';
import { createAwsClients, type ClientConfig } from '../../src/aws/clients';

const IDENTITY = '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
  + '<Arn>arn:aws:iam::123456789012:user/test</Arn><UserId>AIDATEST</UserId><Account>123456789012</Account>'
  + '</GetCallerIdentityResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>';

/** A server that hangs up on the first `resets` requests (closes the connection without an answer), then answers. */
async function flakyServer(resets: number): Promise<{ server: Server; url: string; requests: () => number; connections: () => number }> {
  let requests = 0;
  let connections = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      requests++;
      if (requests <= resets) {
        request.socket.destroy();
        return;
      }
      response.writeHead(200, { 'Content-Type': 'text/xml' }).end(IDENTITY);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests, connections: () => connections };
}

describe('a connection reset by the endpoint', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
  });

  it('is retried by the SDK like any transient error, on the process\'s shared connection pool', async () => {
    const { server, url, requests } = await flakyServer(2);
    servers.push(server);
    const previous = process.env.AWS_ENDPOINT_URL_STS;
    process.env.AWS_ENDPOINT_URL_STS = url;
    try {
      const { sts } = createAwsClients({ region: 'us-east-1', credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'secret' } });
      const output = await sts.send(new GetCallerIdentityCommand({}));
      expect(output.Account).toBe('123456789012');
      // Two hang-ups, then the answer: three attempts of one call.
      expect(output.$metadata.attempts).toBe(3);
      expect(requests()).toBe(3);
    } finally {
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_STS;
      else process.env.AWS_ENDPOINT_URL_STS = previous;
    }
  });

  it('is one pool per process: the clients of successive tasks reuse its connections', async () => {
    const { server, url, requests, connections } = await flakyServer(0);
    servers.push(server);
    const previous = process.env.AWS_ENDPOINT_URL_STS;
    process.env.AWS_ENDPOINT_URL_STS = url;
    try {
      for (let task = 0; task < 3; task++) {
        const { sts } = createAwsClients({ region: 'us-east-1', credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'secret' } });
        await sts.send(new GetCallerIdentityCommand({}));
      }
      expect(requests()).toBe(3);
      expect(connections()).toBe(1);
    } finally {
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_STS;
      else process.env.AWS_ENDPOINT_URL_STS = previous;
    }
  });

  it('in adaptive mode, keeps one client-side rate per account, region and service across the clients of successive tasks', () => {
    const previous = process.env.CLOUDTAP_SDK_RETRY_MODE;
    process.env.CLOUDTAP_SDK_RETRY_MODE = 'adaptive';
    try {
      const catalog = { ec2: { service: 'EC2', create: (config: ClientConfig) => new EC2Client(config) } };
      const limiterOf = (accountId: string, region: string) => {
        const client = createAwsClients({ region, accountId }, catalog).get<EC2Client>('ec2');
        return (client.config.retryStrategy as unknown as () => Promise<{ mode: string; rateLimiter: unknown }>)();
      };
      return Promise.all([limiterOf('111111111111', 'eu-west-1'), limiterOf('111111111111', 'eu-west-1'), limiterOf('111111111111', 'us-east-1')])
        .then(([a, b, c]) => {
          expect(a.mode).toBe('adaptive');
          expect(a.rateLimiter).toBe(b.rateLimiter);
          expect(a.rateLimiter).not.toBe(c.rateLimiter);
        });
    } finally {
      if (previous === undefined) delete process.env.CLOUDTAP_SDK_RETRY_MODE;
      else process.env.CLOUDTAP_SDK_RETRY_MODE = previous;
    }
  });
});
