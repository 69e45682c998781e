// Fails when a comment or text cites a document a reader of this repository cannot open: the
// product spec by section ("SPEC §4.1") or research notes by file ("reference/destinations.md",
// "destinations.md §3.6", "reference §2.2", a bare "§6.2"). Cite the public primary source by URL
// (an API's docs, a specification) or state the rule itself. Section signs next to an RFC or ISO
// number, or on a line with a URL, are citations a reader can follow and pass.
// Run by `npm run lint`.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const ROOTS = ["src/", "durable-objects/", "test/", "test-node/", "sandbox/", "scripts/", "README.md"];
const SELF = "scripts/check-citations.mjs";

/** @type {Array<[RegExp, string]>} */
const RULES = [
  [/\bSPEC\b/, "the product spec is not in the repository: state the rule (or link a README section)"],
  [
    /\breference\/[\w-]+\.md|\b(?:destinations|sources-and-consent|platform)\.md\b/,
    "research notes are not in the repository: cite the primary source's URL",
  ],
  [/\breference §/, "research notes are not in the repository: cite the primary source's URL"],
];
const SECTION_SIGN = /§\s*\d/;
const FOLLOWABLE = /\b(?:RFC|ISO|IEC|ECMA-?\d*)\b|https?:\/\//;

/** Tracked and new (not ignored) files under the checked roots. */
function files() {
  const out = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", ...ROOTS], { encoding: "utf8" });
  return out.split("\0").filter((f) => f && f !== SELF && /\.(?:[cm]?[jt]s|md|html|css|json|toml|sql)$/.test(f));
}

/** @param {string} path @returns {string[]} */
function findingsIn(path) {
  let text;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return []; // deleted in the work tree
  }
  /** @type {string[]} */
  const found = [];
  text.split("\n").forEach((line, i) => {
    for (const [re, why] of RULES) if (re.test(line)) found.push(`${path}:${i + 1}: ${why}\n    ${line.trim()}`);
    if (SECTION_SIGN.test(line) && !FOLLOWABLE.test(line) && !RULES.some(([re]) => re.test(line))) {
      found.push(`${path}:${i + 1}: a section of which document? Cite its URL or name the RFC\n    ${line.trim()}`);
    }
  });
  return found;
}

const findings = files().flatMap(findingsIn);
if (findings.length > 0) {
  console.error(`Citations a reader cannot follow (${findings.length}):\n${findings.join("\n")}`);
  process.exit(1);
}
console.log("citations: every reference is public");
