// Element Plus icons one module per icon.
//
// @element-plus/icons-vue ships every icon in one module (dist/index.js).
// A module lives in exactly one chunk, so every icon any view uses would
// travel with the first page, which needs only the few that the buttons and
// alerts of the entry draw (docs/performance.md "First load of the web UI").
// This plugin serves each icon as a module of its own and rewrites
// `import { A, B as C } from '@element-plus/icons-vue'` (in the app and in
// Element Plus) into one import per icon, so that each icon lands in the
// chunk of the views that draw it; any other use of the package gets a
// barrel of re-exports. Only `vite build` does this; the dev server uses the package
// as it is.
import fs from 'node:fs';
import { createRequire } from 'node:module';

const kPackage = '@element-plus/icons-vue';
export const kIconBarrel = '\0xq-icons';
const kIconPrefix = '\0xq-icon:';
const kNamedImport = /import\s*\{([^}]*)\}\s*from\s*["']@element-plus\/icons-vue["'];?/g;

function perIconImports(_all, specifiers) {
  return specifiers
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [name, local = name] = s.split(/\s+as\s+/);
      return `import ${local} from ${JSON.stringify(kIconPrefix + name)};`;
    })
    .join('');
}

// { Name: 'code of one icon, ending in export default' }.
function splitPackage(file) {
  const src = fs.readFileSync(file, 'utf8');
  const exportList = src.slice(src.lastIndexOf('export {'));
  const names = new Map(); // add_location_default -> AddLocation
  for (const m of exportList.matchAll(/(\w+_default) as (\w+)/g)) names.set(m[1], m[2]);
  const icons = {};
  const blocks = src.slice(0, src.lastIndexOf('export {')).split(/^\/\/ src\/components\/[\w-]+\.vue$/m).slice(1);
  for (const block of blocks) {
    const m = block.match(/\}\), (\w+_default) = _sfc_main\d*;\s*$/);
    if (!m || !names.has(m[1])) throw new Error(`${file}: an icon block this build does not understand`);
    icons[names.get(m[1])] = `${block}\nexport default ${m[1]};\n`;
  }
  if (Object.keys(icons).length !== names.size) {
    throw new Error(`${file}: ${names.size} icons exported, ${Object.keys(icons).length} found`);
  }
  return icons;
}

export function splitIcons() {
  let icons = null;
  const load = () => {
    if (!icons) icons = splitPackage(createRequire(import.meta.url).resolve(`${kPackage}/dist/index.js`));
    return icons;
  };
  return {
    name: 'xq-split-icons',
    apply: 'build',
    enforce: 'pre',
    resolveId(id) {
      if (id === kPackage) return kIconBarrel;
      if (id.startsWith(kIconPrefix)) return id;
      return null;
    },
    transform(code, id) {
      if (id.startsWith('\0') || !code.includes(kPackage)) return null;
      const out = code.replace(kNamedImport, perIconImports);
      return out === code ? null : { code: out, map: null };
    },
    load(id) {
      if (id === kIconBarrel) {
        return Object.keys(load())
          .map((name) => `export { default as ${name} } from ${JSON.stringify(kIconPrefix + name)};`)
          .join('\n');
      }
      if (id.startsWith(kIconPrefix)) {
        const code = load()[id.slice(kIconPrefix.length)];
        if (!code) this.error(`no icon ${id.slice(kIconPrefix.length)} in ${kPackage}`);
        return { code, moduleSideEffects: false };
      }
      return null;
    },
  };
}
