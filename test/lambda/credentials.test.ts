import { afterEach, describe, expect, it } from '@jest/globals';
import { defaultProvider } from '../../src/lambda/credentials';

const VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION', 'AWS_PROFILE'] as const;
const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));

describe('the credential chain of the Lambda bundles', () => {
  afterEach(() => {
    for (const name of VARIABLES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it('is the role credentials Lambda puts in the environment', async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' });
    await expect(defaultProvider()()).resolves.toMatchObject({ accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' });
  });

  it('without them, says which variables it reads and where the full chain is, instead of trying profiles or metadata', async () => {
    for (const name of VARIABLES) delete process.env[name];
    await expect(defaultProvider()()).rejects.toThrow(/AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN.*local runner/);
  });
});
