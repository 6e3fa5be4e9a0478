/** A self-signed certificate for localhost and 127.0.0.1, made with openssl for one test run. */
export interface TestCert {
  /** PEM certificate (also its own CA). */
  cert: string;
  /** PEM private key. */
  key: string;
  /** Where the files are: `cert.pem`, `key.pem`. */
  dir: string;
}

/**
 * Makes a fresh P-256 certificate valid one day, or returns undefined (after
 * saying why) when openssl is not installed.
 */
export async function makeTestCert(): Promise<TestCert | undefined> {
  const dir = await Deno.makeTempDir({ prefix: "gputel-cert-" });
  try {
    const out = await new Deno.Command("openssl", {
      args: [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
        // rustls refuses a CA certificate as the server's own ("CaUsedAsEndEntity")
        "-addext",
        "basicConstraints=critical,CA:FALSE",
        "-addext",
        "extendedKeyUsage=serverAuth",
        "-days",
        "1",
        "-keyout",
        `${dir}/key.pem`,
        "-out",
        `${dir}/cert.pem`,
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  } catch (e) {
    await Deno.remove(dir, { recursive: true });
    if (e instanceof Deno.errors.NotFound) {
      console.warn("skipping TLS checks: openssl is not installed");
      return undefined;
    }
    throw e;
  }
  return {
    cert: await Deno.readTextFile(`${dir}/cert.pem`),
    key: await Deno.readTextFile(`${dir}/key.pem`),
    dir,
  };
}
