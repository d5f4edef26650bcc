// Jest transform for the ES-module packages the API's specs load (NestJS 12 ships only ES
// modules, and jest 29 without --experimental-vm-modules loads only CommonJS): TypeScript's
// transpiler rewrites import/export as require/exports. `import.meta` has no CommonJS form, so the
// two uses these packages make of it are rewritten first: createRequire(import.meta.url) becomes
// jest's own require (one module registry: class-validator's metadata stays shared; a module's
// `const require = createRequire(...)` is dropped), and a bare import.meta.url the file's URL.
const crypto = require('crypto');
const fs = require('fs');
const ts = require('typescript');

const OWN_REQUIRE = /\b(?:const|let|var)\s+require\s*=\s*createRequire\(\s*import\.meta\.url\s*\);?/g;
const CREATE_REQUIRE = /createRequire\(\s*import\.meta\.url\s*\)/g;
const META_URL = /import\.meta\.url/g;

const OWN_SOURCE = fs.readFileSync(__filename);

module.exports = {
  getCacheKey(source, path) {
    return crypto.createHash('sha256').update(OWN_SOURCE).update(ts.version).update(path).update(source).digest('hex');
  },
  process(source, path) {
    if (!/^\s*(import|export)\b/m.test(source)) return { code: source };
    const text = source
      .replace(OWN_REQUIRE, '')
      .replace(CREATE_REQUIRE, 'require')
      .replace(META_URL, "require('url').pathToFileURL(__filename).href");
    const { outputText, sourceMapText } = ts.transpileModule(text, {
      fileName: path,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, sourceMap: true, esModuleInterop: true },
    });
    return { code: outputText, map: sourceMapText };
  },
};
