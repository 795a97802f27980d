import { readFileSync } from 'node:fs';

import type { ArmConnection } from '../azure/computeClient';
import type { EventGridConfig } from './appConfig';
import type { Reader } from './reader';
import { parseUrl } from './reader';
import { DEFAULTS, SETTINGS } from './settings';

export interface LoadConfigOptions {
  /** Reads a CA certificate file named by `RPCOPY_ARM_CA_CERTIFICATE`. */
  readFile?: (path: string) => string;
}

export function parseArm(reader: Reader, options: LoadConfigOptions): ArmConnection {
  const endpoint = reader.optional(SETTINGS.armEndpoint) ?? DEFAULTS.armEndpoint;
  const url = parseUrl(reader, SETTINGS.armEndpoint, endpoint);
  if (url?.protocol === 'http:') {
    reader.problems.push(`${SETTINGS.armEndpoint} must use https (tokens are never sent over plain http)`);
  }
  const credential = reader.optional(SETTINGS.armCredential) ?? DEFAULTS.armCredential;
  if (credential !== 'default' && credential !== 'static') {
    reader.problems.push(`${SETTINGS.armCredential} must be 'default' or 'static', got '${credential}'`);
  }
  if (
    credential === 'static' &&
    url !== undefined &&
    url.hostname.toLowerCase().endsWith('management.azure.com')
  ) {
    reader.problems.push(
      `${SETTINGS.armCredential}=static only works with a local ARM endpoint; set ${SETTINGS.armEndpoint} or use 'default'`,
    );
  }
  const ca = reader.optional(SETTINGS.armCaCertificate);
  let caCertificatePem: string | undefined;
  if (ca !== undefined) {
    if (ca.includes('-----BEGIN CERTIFICATE-----')) {
      caCertificatePem = ca.replace(/\\n/g, '\n');
    } else {
      try {
        caCertificatePem = (options.readFile ?? ((path) => readFileSync(path, 'utf8')))(ca);
        if (!caCertificatePem.includes('-----BEGIN CERTIFICATE-----')) {
          reader.problems.push(`${SETTINGS.armCaCertificate}: ${ca} holds no PEM certificate`);
        }
      } catch {
        reader.problems.push(`${SETTINGS.armCaCertificate} is neither PEM text nor a readable file: ${ca}`);
      }
    }
  }
  return {
    endpoint: url === undefined ? endpoint : url.origin,
    credential: credential === 'static' ? 'static' : 'default',
    ...(caCertificatePem === undefined ? {} : { caCertificatePem }),
  };
}

export function parseEventGrid(reader: Reader): EventGridConfig {
  const endpoint = reader.optional(SETTINGS.eventGridEndpoint);
  const key = reader.optional(SETTINGS.eventGridKey);
  const source = reader.optional(SETTINGS.eventSource) ?? DEFAULTS.eventSource;
  if (endpoint !== undefined) {
    const url = parseUrl(reader, SETTINGS.eventGridEndpoint, endpoint);
    if (url?.protocol === 'http:' && key === undefined) {
      reader.problems.push(
        `${SETTINGS.eventGridEndpoint} uses http, which needs ${SETTINGS.eventGridKey} (a managed identity token needs https)`,
      );
    }
  } else if (key !== undefined) {
    reader.problems.push(`${SETTINGS.eventGridKey} is set but ${SETTINGS.eventGridEndpoint} is not`);
  }
  return {
    source,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(key === undefined ? {} : { key }),
  };
}

export function parsePublicBaseUrl(reader: Reader): string | undefined {
  const text = reader.optional(SETTINGS.publicBaseUrl);
  if (text === undefined) {
    return undefined;
  }
  const url = parseUrl(reader, SETTINGS.publicBaseUrl, text);
  if (url === undefined) {
    return undefined;
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    reader.problems.push(
      `${SETTINGS.publicBaseUrl} must have no query, fragment or credentials, got '${text}'`,
    );
    return undefined;
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
