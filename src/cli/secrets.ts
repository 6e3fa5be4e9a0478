/**
 * Reads, at start, the files that hold secrets and certificates
 * (`--token-file`, `--tls-cert`, `--tls-key`, `--tls-ca`), so roles take PEM
 * text and a token string, and a bad file stops the process before anything
 * listens, with a message naming the flag.
 *
 * @module
 */
import type { TlsClientConfig, TlsServerConfig } from "../net/tls.ts";
import { UsageError } from "./errors.ts";
import { parseToken, TOKEN } from "./flags_security.ts";
import type { CliRun } from "./parse.ts";

/** What the roles of a run need from the secret files. */
export interface RunSecrets {
  /** The token from `--token` or `--token-file`; undefined when none is set. */
  token?: string;
  /** Certificate and key the listeners serve TLS with. */
  tls?: TlsServerConfig;
  /**
   * How stream and collect reach the broker over TLS: the `--tls-ca`, or,
   * for this process's own TLS broker, its certificate.
   */
  brokerTls?: TlsClientConfig;
}

/**
 * Loads the run's token and TLS files.
 *
 * @param run the parsed command line
 * @param read reads a text file (default `Deno.readTextFile`)
 * @throws {UsageError} naming the flag (or variable) when a file is missing,
 *   unreadable, empty or not PEM, or when flags that go together are not
 *   given together
 *
 * @example
 * ```ts
 * const secrets = await loadRunSecrets(run);
 * ```
 */
export async function loadRunSecrets(
  run: CliRun,
  read: (path: string) => Promise<string> = Deno.readTextFile,
): Promise<RunSecrets> {
  const o = run.options;
  const src = run.sources;
  const label = (key: keyof CliRun["options"], flag: string) => src[key] ?? flag;
  const load = async (path: string, who: string): Promise<string> => {
    try {
      return await read(path);
    } catch (error) {
      const why = error instanceof Deno.errors.NotFound
        ? "does not exist"
        : `cannot be read: ${(error as Error).message}`;
      throw new UsageError(`${who} file ${JSON.stringify(path)} ${why}`, { cause: error });
    }
  };
  const out: RunSecrets = {};
  if (o.tokenFile !== undefined) {
    if (o.token !== undefined) {
      throw new UsageError(
        `${label("token", "--token")} and ${
          label("tokenFile", "--token-file")
        } both set the token; give one`,
      );
    }
    const who = label("tokenFile", "--token-file");
    const text = (await load(o.tokenFile, who)).trim();
    try {
      out.token = parseToken(text);
    } catch (cause) {
      throw new UsageError(`${who} file ${JSON.stringify(o.tokenFile)} must hold ${TOKEN}`, {
        cause,
      });
    }
  } else if (o.token !== undefined) {
    out.token = o.token;
  }
  if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) {
    throw new UsageError("--tls-cert and --tls-key go together: give both, or neither");
  }
  if (o.tlsCert !== undefined && o.tlsKey !== undefined) {
    out.tls = {
      cert: pem(
        await load(o.tlsCert, label("tlsCert", "--tls-cert")),
        label("tlsCert", "--tls-cert"),
      ),
      key: pem(await load(o.tlsKey, label("tlsKey", "--tls-key")), label("tlsKey", "--tls-key")),
    };
  }
  if (o.tlsCa !== undefined) {
    out.brokerTls = {
      caCerts: [pem(await load(o.tlsCa, label("tlsCa", "--tls-ca")), label("tlsCa", "--tls-ca"))],
    };
  } else if (run.brokerIsLocal && out.tls) {
    out.brokerTls = { caCerts: [out.tls.cert] };
  }
  return out;
}

function pem(text: string, who: string): string {
  if (!text.includes("-----BEGIN ")) {
    throw new UsageError(`${who} file is not PEM (no -----BEGIN line)`);
  }
  return text;
}
