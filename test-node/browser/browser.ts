import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { brotliDecompressSync } from "node:zlib";
import chromium from "@sparticuz/chromium";
import { type Browser, chromium as playwright } from "playwright-core";

/**
 * One headless Chromium for the browser suite. The binary comes from the npm registry
 * (`@sparticuz/chromium`, unpacked to the temp directory on first use), so a fresh `npm ci` is all
 * a machine needs; `CHROMIUM_PATH` may point at another build (e.g. Debian's /usr/bin/chromium).
 *
 * Not the package's own `args`: they are tuned for AWS Lambda and include
 * `--disable-web-security` and `--allow-running-insecure-content`, which would switch off the
 * very CORS and CSP behaviour these tests check, and `--single-process`.
 */
const ARGS = [
  "--no-sandbox",
  "--no-zygote",
  "--disable-dev-shm-usage",
  "--use-gl=angle",
  "--use-angle=swiftshader",
  "--font-render-hinting=none",
];

/**
 * The binary links the system's NSS and expat. A machine without them (a slim container) gets
 * the copies the package ships for Amazon Linux 2023 (`bin/al2023.tar.br`), unpacked once.
 */
function missingLibraries(executable: string): boolean {
  try {
    return execFileSync("ldd", [executable], { encoding: "utf8" }).includes("not found");
  } catch {
    return false;
  }
}

function bundledLibraries(): string {
  const dir = path.join(tmpdir(), "sluice-chromium-libs");
  const libDir = path.join(dir, "lib");
  if (!existsSync(libDir)) {
    const pkg = path.dirname(createRequire(import.meta.url).resolve("@sparticuz/chromium/package.json"));
    mkdirSync(dir, { recursive: true });
    const tarFile = path.join(dir, "al2023.tar");
    writeFileSync(tarFile, brotliDecompressSync(readFileSync(path.join(pkg, "bin/al2023.tar.br"))));
    execFileSync("tar", ["-xf", tarFile, "-C", dir]);
  }
  return libDir;
}

export async function launchBrowser(): Promise<Browser> {
  const fromEnv = process.env.CHROMIUM_PATH;
  const executablePath = fromEnv && existsSync(fromEnv) ? fromEnv : await chromium.executablePath();
  const env: Record<string, string> = {};
  if (missingLibraries(executablePath)) {
    env.LD_LIBRARY_PATH = [bundledLibraries(), process.env.LD_LIBRARY_PATH].filter(Boolean).join(":");
  }
  return playwright.launch({
    executablePath,
    args: ARGS,
    headless: true,
    ...(env.LD_LIBRARY_PATH ? { env: { ...process.env, ...env } } : {}),
  });
}
