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
// @intlify/message-compiler comes with vue-i18n (its dependency).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { baseCompile } from '@intlify/message-compiler';

const kLocaleFile = /[\\/]src[\\/]i18n[\\/](zh-CN|en)\.js$/;
const kSyntax = /[{}@|]/;

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

export function i18nMessages() {
  let builds = 0;
  return {
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
    async transform(_code, id) {
      const file = id.split('?')[0];
      if (!kLocaleFile.test(file)) return null;
      builds += 1;
      const mod = await import(`${pathToFileURL(file).href}?build=${builds}`);
      const errors = [];
      const body = emit(mod.default, '', errors);
      if (errors.length) this.error(`messages of ${path.basename(file)}:\n${errors.join('\n')}`);
      return { code: `const p = (m) => () => m;\nexport default ${body};\n`, map: null };
    },
  };
}
