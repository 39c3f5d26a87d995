// Extracts the GitHub REST operations shipline calls from the official OpenAPI description
// (`@octokit/openapi`) into crates/testkit/fixtures/github-openapi.json.
//
// The fixture keeps, per operation: method, path template, parameters, the request body schema,
// and per response status its schema and one example. Schemas keep their `$ref`s into
// `components.schemas`, and only the components reachable from our operations are copied, which
// keeps the fixture small. Parameters, responses and examples are inlined.
//
// Usage: (cd scripts && npm install && node openapi-subset.mjs)

import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const OPERATIONS = [
  ["GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments"],
  ["POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments"],
  ["PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}"],
  ["GET", "/repos/{owner}/{repo}/issues"],
  ["POST", "/repos/{owner}/{repo}/issues"],
  ["POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels"],
  ["DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}"],
  ["GET", "/repos/{owner}/{repo}/pulls"],
  ["POST", "/repos/{owner}/{repo}/pulls"],
  ["GET", "/repos/{owner}/{repo}/pulls/{pull_number}"],
  ["POST", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers"],
  ["GET", "/repos/{owner}/{repo}/deployments"],
  ["POST", "/repos/{owner}/{repo}/deployments"],
  ["GET", "/repos/{owner}/{repo}/deployments/{deployment_id}"],
  ["GET", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses"],
  ["POST", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses"],
  ["GET", "/repos/{owner}/{repo}/commits/{ref}/status"],
  ["GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs"],
  ["GET", "/repos/{owner}/{repo}/collaborators/{username}/permission"],
  ["GET", "/repos/{owner}/{repo}/tags"],
  ["GET", "/repos/{owner}/{repo}/releases/tags/{tag}"],
  ["POST", "/repos/{owner}/{repo}/releases"],
];

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const pkgJson = require.resolve("@octokit/openapi/package.json");
const version = JSON.parse(readFileSync(pkgJson, "utf8")).version;
const spec = JSON.parse(
  readFileSync(join(dirname(pkgJson), "generated", "api.github.com.json"), "utf8"),
);

function resolve(node) {
  // Follows a `$ref` to a non-schema component (parameter, response, example, header).
  while (node && typeof node === "object" && typeof node.$ref === "string") {
    const parts = node.$ref.replace(/^#\//, "").split("/");
    node = parts.reduce((at, key) => at[key], spec);
  }
  return node;
}

const wantedSchemas = new Set();
function collectRefs(node) {
  if (Array.isArray(node)) return node.forEach(collectRefs);
  if (!node || typeof node !== "object") return;
  if (typeof node.$ref === "string") {
    const m = node.$ref.match(/^#\/components\/schemas\/(.+)$/);
    if (!m) throw new Error(`unexpected $ref ${node.$ref}`);
    if (!wantedSchemas.has(m[1])) {
      wantedSchemas.add(m[1]);
      collectRefs(spec.components.schemas[m[1]]);
    }
  }
  for (const value of Object.values(node)) collectRefs(value);
}

function jsonContent(content) {
  if (!content) return null;
  const key = Object.keys(content).find((k) => k.includes("json"));
  return key ? content[key] : null;
}

const operations = OPERATIONS.map(([method, path]) => {
  const item = spec.paths[path];
  const op = item && item[method.toLowerCase()];
  if (!op) throw new Error(`${method} ${path} is not in the description`);
  const parameters = [...(item.parameters ?? []), ...(op.parameters ?? [])]
    .map(resolve)
    .map(({ name, in: where, required, schema }) => ({
      name,
      in: where,
      required: !!required,
      schema: schema ?? {},
    }));
  const body = jsonContent(resolve(op.requestBody)?.content);
  const responses = {};
  for (const [status, raw] of Object.entries(op.responses)) {
    const response = resolve(raw);
    const media = jsonContent(response.content);
    const examples = media?.examples ? Object.values(media.examples).map(resolve) : [];
    responses[status] = {
      description: response.description ?? "",
      schema: media?.schema ?? null,
      example: media?.example ?? examples[0]?.value ?? null,
    };
  }
  const operation = {
    method,
    path,
    operationId: op.operationId,
    parameters,
    requestBody: body?.schema ?? null,
    responses,
  };
  collectRefs(operation.parameters);
  collectRefs(operation.requestBody);
  for (const r of Object.values(responses)) collectRefs(r.schema);
  return operation;
});

const schemas = {};
for (const name of [...wantedSchemas].sort()) schemas[name] = spec.components.schemas[name];

const fixture = {
  source: `@octokit/openapi@${version}`,
  description: "GitHub REST operations used by shipline, extracted by scripts/openapi-subset.mjs",
  operations,
  components: { schemas },
};
const out = join(here, "..", "crates", "testkit", "fixtures", "github-openapi.json");
writeFileSync(out, JSON.stringify(fixture, null, 1) + "\n");
console.log(`wrote ${out}: ${operations.length} operations, ${wantedSchemas.size} schemas, from ${fixture.source}`);
