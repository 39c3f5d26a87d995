#!/usr/bin/env node
// Writes real GitHub webhook payloads from `@octokit/webhooks-examples` into
// crates/testkit/fixtures/webhooks/<event>.<action>.json, one per event/action shipline reads.
//
// Usage: node scripts/webhook-examples.mjs
//
// The package is installed with npm into a throwaway directory (nothing lands in the tree but
// the JSON files and VERSION). Bump PACKAGE_VERSION to refresh the fixtures; VERSION records
// which example was picked for each file and why, so a reviewer can tell a real "merged" pull
// request from the nearest one the package had.

import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE = "@octokit/webhooks-examples";
const PACKAGE_VERSION = "7.6.1";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outDir = join(root, "crates", "testkit", "fixtures", "webhooks");

function loadExamples() {
  const dir = mkdtempSync(join(tmpdir(), "webhook-examples-"));
  try {
    execFileSync(
      "npm",
      ["install", "--no-audit", "--no-fund", "--silent", "--prefix", dir, `${PACKAGE}@${PACKAGE_VERSION}`],
      { stdio: ["ignore", "inherit", "inherit"] },
    );
    const pkgDir = join(dir, "node_modules", ...PACKAGE.split("/"));
    const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
    if (pkg.version !== PACKAGE_VERSION) {
      throw new Error(`expected ${PACKAGE}@${PACKAGE_VERSION}, npm installed ${pkg.version}`);
    }
    return JSON.parse(readFileSync(join(pkgDir, pkg.main), "utf8"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ZEROS = "0000000000000000000000000000000000000000";

// Each wanted file: which event, which action (null for events without one), and an ordered
// list of preferences; the first example matching a preference wins, the last is the fallback.
const WANTED = [
  { file: "pull_request.opened", event: "pull_request", action: "opened", prefer: [] },
  { file: "pull_request.synchronize", event: "pull_request", action: "synchronize", prefer: [] },
  {
    file: "pull_request.closed",
    event: "pull_request",
    action: "closed",
    prefer: [["merged", (x) => x.pull_request?.merged === true]],
  },
  { file: "pull_request_target.opened", event: "pull_request_target", action: "opened", prefer: [], optional: true },
  {
    file: "push",
    event: "push",
    action: null,
    prefer: [
      ["branch update", (x) => x.ref?.startsWith("refs/heads/") && x.before !== ZEROS],
      ["new branch", (x) => x.ref?.startsWith("refs/heads/")],
    ],
  },
  {
    file: "issue_comment.created",
    event: "issue_comment",
    action: "created",
    prefer: [["on a pull request", (x) => Boolean(x.issue?.pull_request)]],
  },
  {
    file: "issue_comment.edited",
    event: "issue_comment",
    action: "edited",
    prefer: [["on a pull request", (x) => Boolean(x.issue?.pull_request)]],
  },
  {
    file: "deployment_status.created",
    event: "deployment_status",
    action: "created",
    prefer: [
      ["failure", (x) => x.deployment_status?.state === "failure"],
      ["error", (x) => x.deployment_status?.state === "error"],
    ],
  },
  {
    file: "workflow_run.completed",
    event: "workflow_run",
    action: "completed",
    prefer: [
      ["failure", (x) => x.workflow_run?.conclusion === "failure"],
      ["has a conclusion", (x) => Boolean(x.workflow_run?.conclusion)],
    ],
  },
  { file: "workflow_dispatch", event: "workflow_dispatch", action: null, prefer: [] },
];

function pick(examples, want) {
  const group = examples.find((e) => e.name === want.event);
  if (!group) return null;
  const candidates = group.examples.filter((x) => want.action === null || x.action === want.action);
  if (candidates.length === 0) return null;
  for (const [label, test] of want.prefer) {
    const hit = candidates.find(test);
    if (hit) return { payload: hit, note: label };
  }
  const unmet = want.prefer.map(([label]) => label);
  return {
    payload: candidates[0],
    note: unmet.length ? `first example (none is ${unmet.join(" / ")})` : "first example",
  };
}

const examples = loadExamples();
mkdirSync(outDir, { recursive: true });
for (const old of readdirSync(outDir)) {
  if (old.endsWith(".json")) rmSync(join(outDir, old));
}

const lines = [`${PACKAGE} ${PACKAGE_VERSION}`, ""];
for (const want of WANTED) {
  const found = pick(examples, want);
  if (!found) {
    if (!want.optional) throw new Error(`${PACKAGE}@${PACKAGE_VERSION} has no ${want.file} example`);
    lines.push(`${want.file}.json: absent (the package has no such example)`);
    continue;
  }
  writeFileSync(join(outDir, `${want.file}.json`), JSON.stringify(found.payload, null, 2) + "\n");
  lines.push(`${want.file}.json: ${found.note}`);
}
writeFileSync(join(outDir, "VERSION"), lines.join("\n") + "\n");
console.log(lines.join("\n"));
