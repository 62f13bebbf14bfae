// The UI's messages compiled at build time, so that the browser gets
// vue-i18n without its message compiler and without the legacy API
// (docs/performance.md "First load of the web UI").
//
// src/i18n/zh-CN.js and src/i18n/en.js (with the per-area files they import)
// are evaluated here and each replaced by one module of message functions:
// a message with vue-i18n syntax ({name}, plurals with |, @:links) becomes
// the function the compiler generates for it, any other message a function
// returning the text. A message the compiler rejects fails the build instead
// of showing garbled on screen. Only `vite build` does this; the dev server
// keeps the full vue-i18n and compiles messages in the browser.
//
// The Chinese messages of each area (src/i18n/<area>.zh-CN.js: archive,
// crisis, network, …) leave the entry: zh-CN.js keeps the shell's own
// messages, and each area's become a module that merges them into vue-i18n
// when it is evaluated. Every module of the app that names a key of an area
// (a string literal that is one of its messages, or a prefix of them ending
// in '.' before a template placeholder) imports that area's module, so the
// messages arrive with the chunk of the view that shows them, before it
// renders, and a view can never show a bare key. English (en.js) stays one
// chunk, loaded only when chosen.
//
// @intlify/message-compiler comes with vue-i18n (its dependency).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { baseCompile } from '@intlify/message-compiler';

const kLocaleFile = /[\\/]src[\\/]i18n[\\/](zh-CN|en)\.js$/;
const kSyntax = /[{}@|]/;
const kI18nDir = fileURLToPath(new URL('../src/i18n/', import.meta.url));
const kSrcDir = fileURLToPath(new URL('../src/', import.meta.url));
const kAreaPrefix = '\0xq-messages:';
// 'crisis.kinds.' in `crisis.kinds.${kind}`, 'crisis.title' in 'crisis.title'.
const kKeyLiteral = /(['"`])([A-Za-z]\w*(?:\.\w+)+)(\.\$\{|\1)/g;

function emit(value, where, errors) {
  if (typeof value === 'string') {
    if (!kSyntax.test(value)) return `p(${JSON.stringify(value)})`;
    const { code } = baseCompile(value, {
      mode: 'arrow',
      location: false,
      onError: (e) => errors.push(`${where}: ${e.message} in ${JSON.stringify(value)}`),
    });
    return code;
  }
  if (Array.isArray(value)) return `[${value.map((v, i) => emit(v, `${where}[${i}]`, errors)).join(',')}]`;
  if (value && typeof value === 'object') {
    const parts = Object.entries(value).map(
      ([k, v]) => `${JSON.stringify(k)}:${emit(v, where ? `${where}.${k}` : k, errors)}`,
    );
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value);
}

// Every leaf key of a message tree, with the paths of its subtrees.
function keysOf(tree, prefix, leaves, subtrees) {
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      subtrees.add(key);
      keysOf(v, key, leaves, subtrees);
    } else {
      leaves.add(key);
    }
  }
}

// { area: { messages, leaves, subtrees } } of src/i18n/<area>.zh-CN.js.
async function loadAreas(stamp) {
  const areas = {};
  for (const file of fs.readdirSync(kI18nDir)) {
    const m = file.match(/^(\w+)\.zh-CN\.js$/);
    if (!m) continue;
    const { default: messages } = await import(`${pathToFileURL(kI18nDir + file).href}?build=${stamp}`);
    const leaves = new Set();
    const subtrees = new Set();
    keysOf(messages, '', leaves, subtrees);
    areas[m[1]] = { messages, leaves, subtrees };
  }
  return areas;
}

// The areas whose keys a module's code names.
function areasNamedBy(code, areas) {
  const named = new Set();
  for (const [, , literal, end] of code.matchAll(kKeyLiteral)) {
    for (const [area, { leaves, subtrees }] of Object.entries(areas)) {
      if (named.has(area)) continue;
      if (end === '.${' ? subtrees.has(literal) : leaves.has(literal)) named.add(area);
    }
  }
  return [...named];
}

export function i18nMessages() {
  let builds = 0;
  let areas = null;
  const compile = (ctx, messages, what) => {
    const errors = [];
    const body = emit(messages, '', errors);
    if (errors.length) ctx.error(`messages of ${what}:\n${errors.join('\n')}`);
    return body;
  };
  return [{
    name: 'xq-i18n-messages',
    apply: 'build',
    enforce: 'pre',
    config() {
      return {
        define: {
          __VUE_I18N_LEGACY_API__: 'false',
          __VUE_I18N_FULL_INSTALL__: 'false',
          __INTLIFY_DROP_MESSAGE_COMPILER__: 'true',
          __INTLIFY_PROD_DEVTOOLS__: 'false',
        },
      };
    },
    async buildStart() {
      builds += 1;
      areas = await loadAreas(builds);
    },
    resolveId(id) {
      return id.startsWith(kAreaPrefix) ? id : null;
    },
    load(id) {
      if (!id.startsWith(kAreaPrefix)) return null;
      const area = areas[id.slice(kAreaPrefix.length)];
      if (!area) this.error(`no messages ${id.slice(kAreaPrefix.length)}`);
      const body = compile(this, area.messages, id.slice(kAreaPrefix.length));
      const index = JSON.stringify(`${kI18nDir}index.js`);
      return `import { i18n } from ${index};\nconst p = (m) => () => m;\ni18n.global.mergeLocaleMessage('zh-CN', ${body});\n`;
    },
    async transform(_code, id) {
      const file = id.split('?')[0];
      if (!kLocaleFile.test(file)) return null;
      const { default: messages } = await import(`${pathToFileURL(file).href}?build=${builds}`);
      let tree = messages;
      if (file.endsWith('zh-CN.js')) {
        // The shell's own messages: without the areas' namespaces.
        const areaNames = new Set(Object.values(areas).flatMap((a) => Object.keys(a.messages)));
        tree = Object.fromEntries(Object.entries(messages).filter(([ns]) => !areaNames.has(ns)));
      }
      const body = compile(this, tree, path.basename(file));
      return { code: `const p = (m) => () => m;\nexport default ${body};\n`, map: null };
    },
  }, {
    // After the Vue compiler: a view's template is code by then.
    name: 'xq-i18n-areas',
    apply: 'build',
    transform(code, id) {
      if (id.includes('?') || id.startsWith('\0') || !id.startsWith(kSrcDir) || id.startsWith(kI18nDir)) return null;
      if (!/\.(vue|js|mjs)$/.test(id)) return null;
      const named = areasNamedBy(code, areas);
      if (!named.length) return null;
      const imports = named.map((a) => `import ${JSON.stringify(kAreaPrefix + a)};`).join('');
      return { code: imports + code, map: null };
    },
  }];
}
