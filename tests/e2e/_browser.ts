/**
 * Headless Chromium for the dashboard tests, driven by `playwright-core`
 * (which downloads no browser): Debian's `/usr/bin/chromium` with a fresh
 * profile that is removed on dispose. Where no Chromium is installed, the
 * tests that need it are ignored (never counted as passed) and say so once.
 *
 * @module
 */
import { type BrowserContext, chromium } from "playwright-core";

/** Where the tests look for Chromium (`.ci/install.sh` installs Debian's `chromium`). */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Whether Chromium is installed here. */
export const HAS_CHROMIUM: boolean = (() => {
  try {
    return Deno.statSync(CHROMIUM_PATH).isFile;
  } catch {
    return false;
  }
})();

if (!HAS_CHROMIUM) {
  console.warn(
    `dashboard browser tests IGNORED: no Chromium at ${CHROMIUM_PATH} ` +
      "(install Debian's 'chromium' package, as .ci/install.sh does)",
  );
}

/** The flags Chromium runs with: headless, no sandbox, nothing phoning home. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A browser with a fresh profile; disposing closes it and removes the profile. */
export interface Browser extends AsyncDisposable {
  /** The browser context (one profile). */
  context: BrowserContext;
}

/** Starts Chromium with a fresh `--user-data-dir`, a 1400×900 viewport and English locale. */
export async function openBrowser(): Promise<Browser> {
  const profile = await Deno.makeTempDir({ prefix: "gputel-chromium-" });
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS],
      viewport: { width: 1400, height: 900 },
      locale: "en-US",
      timezoneId: "UTC",
    });
    return {
      context,
      async [Symbol.asyncDispose]() {
        await context.close();
        await Deno.remove(profile, { recursive: true });
      },
    };
  } catch (error) {
    await Deno.remove(profile, { recursive: true });
    throw error;
  }
}
