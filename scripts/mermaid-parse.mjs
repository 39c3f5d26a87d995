// Parses Mermaid diagrams with the real `mermaid` library under Node, the way GitHub and GitLab
// will before drawing them. Mermaid expects a browser's DOM (its text sanitiser needs one), so a
// jsdom window stands in; nothing is drawn and nothing is fetched.
// Usage: node scripts/mermaid-parse.mjs NODE_MODULES_DIR FILE... ; exit 1 when any file fails.
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [modules, ...files] = process.argv.slice(2);
const load = (name, entry) => import(pathToFileURL(path.join(modules, name, entry)).href);
const { JSDOM } = await load("jsdom", "lib/api.js");
const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await load("mermaid", "dist/mermaid.core.mjs");
let failed = 0;
for (const file of files) {
  const text = await readFile(file, "utf8");
  try {
    const { diagramType } = await mermaid.parse(text);
    console.log(`${file}: ${diagramType}`);
  } catch (err) {
    failed += 1;
    console.log(`${file}: ${String(err.message ?? err).split("\n").slice(0, 4).join(" ")}`);
  }
}
console.log(`mermaid: ${files.length} diagram(s), ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
