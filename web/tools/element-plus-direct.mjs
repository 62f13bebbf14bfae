// Element Plus components imported from their own modules.
//
// unplugin-vue-components' ElementPlusResolver imports every component from
// the package's barrel (`element-plus/es`), which re-exports the whole
// library. The bundle is still tree-shaken, but the module graph then says
// that any view depends on every component, and the chunking of the first
// page (vite.config.js) cannot tell which components the answering page
// draws. For `vite build` this resolver turns each barrel import into an
// import from the component's own module (`element-plus/es/components/
// input/index.mjs`); a name it cannot place stays on the barrel. The dev
// server keeps the barrel (one pre-bundled copy of the library).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';

const kBarrel = 'element-plus/es';

function kebab(name) {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

// 'ElButtonGroup' -> element-plus/es/components/button/index.mjs (the first
// of button-group, button whose module exports the name), or null.
function makeLocator() {
  const root = path.dirname(createRequire(import.meta.url).resolve('element-plus/package.json'));
  const cache = new Map();
  return (name) => {
    if (cache.has(name)) return cache.get(name);
    let found = null;
    const parts = kebab(name.replace(/^El/, '')).split('-');
    for (let n = parts.length; n > 0 && !found; n -= 1) {
      const dir = parts.slice(0, n).join('-');
      const file = path.join(root, 'es', 'components', dir, 'index.mjs');
      if (fs.existsSync(file) && new RegExp(`\\b${name}\\b`).test(fs.readFileSync(file, 'utf8'))) {
        found = `element-plus/es/components/${dir}/index.mjs`;
      }
    }
    cache.set(name, found);
    return found;
  };
}

export function ElementPlusDirectResolver(options) {
  const locate = makeLocator();
  return ElementPlusResolver(options).map((resolver) => ({
    ...resolver,
    async resolve(name) {
      const result = await resolver.resolve(name);
      if (!result || typeof result === 'string' || result.from !== kBarrel) return result;
      const from = locate(result.name || name);
      return from ? { ...result, from } : result;
    },
  }));
}
