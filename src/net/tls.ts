/**
 * TLS settings as the roles take them: PEM text, already read from the files
 * the command line named.
 *
 * @module
 */

/** A server's certificate chain and private key, both PEM. */
export interface TlsServerConfig {
  /** Certificate chain, PEM. */
  cert: string;
  /** Private key, PEM. */
  key: string;
}

/** How a client checks the server it connects to over TLS. */
export interface TlsClientConfig {
  /** CA certificates to trust, PEM; empty trusts the system's roots only. @default {[]} */
  caCerts?: string[];
}

/**
 * Whether `error` is a TLS certificate verification failure: retrying will
 * not help until the certificate or `--tls-ca` changes.
 */
export function isCertificateError(error: unknown): boolean {
  return error instanceof Error && /certificate|UnknownIssuer|NotValidForName/i.test(error.message);
}
