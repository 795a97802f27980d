import { generate } from 'selfsigned';

export interface TlsMaterial {
  key: string;
  cert: string;
}

const TEN_YEARS_MS = 10 * 365 * 86_400_000;

/**
 * A self-signed certificate for 127.0.0.1 and localhost. Its validity uses real time, not the simulator
 * clock: TLS clients check it against the wall clock. It is long-lived so a persisted one keeps working.
 */
export async function createTlsMaterial(): Promise<TlsMaterial> {
  const notBeforeDate = new Date(Date.now() - 86_400_000);
  const pems = await generate([{ name: 'commonName', value: 'rpcopy compute simulator' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + TEN_YEARS_MS),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
