// Build of the xinqiao web UI. Everything is bundled into dist/ (no CDN, no
// downloads at run time); the server serves dist/ and the API on one origin.
//
// First load (docs/performance.md): Element Plus components, their styles
// and the icons are imported where a template uses them (on demand), views
// are split by route (lazy imports in router/index.js), and every text asset
// gets a .br and .gz beside it, which the server sends per Accept-Encoding.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import Components from 'unplugin-vue-components/vite';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';
import * as Icons from '@element-plus/icons-vue';
import { precompress } from './tools/precompress.mjs';
import { i18nMessages } from './tools/i18n-messages.mjs';
import { splitIcons, kIconBarrel } from './tools/split-icons.mjs';
import { ElementPlusDirectResolver } from './tools/element-plus-direct.mjs';

// <ArrowLeft />, <Phone /> … in templates are Element Plus icons.
const kIconNames = new Set(Object.keys(Icons));
function IconResolver(name) {
  if (kIconNames.has(name)) return { name, from: '@element-plus/icons-vue' };
  return undefined;
}

// The answering page's code beyond the entry (its view, the text input, the
// icons it draws) in one chunk instead of a dozen small ones: a student on a
// slow phone network waits one round trip for it, not three. Its modules
// are the view's static imports, followed through every module but the
// icon barrel (which re-exports all icons); those the entry already has go
// to the entry's chunk first (the higher priority of the 'shell' group).
const kAnswerView = fileURLToPath(new URL('./src/views/screening/AnswerView.vue', import.meta.url));
let answeringModules = null;
function answeringPage(id, ctx) {
  if (!answeringModules) {
    answeringModules = new Set();
    const todo = [kAnswerView];
    while (todo.length) {
      const m = todo.pop();
      if (answeringModules.has(m) || m === kIconBarrel) continue;
      answeringModules.add(m);
      todo.push(...(ctx.getModuleInfo(m)?.importedIds ?? []));
    }
  }
  return answeringModules.has(id) ? 'answer' : null;
}

export default defineConfig(({ command }) => ({
  plugins: [
    vue(),
    Components({
      resolvers: [
        command === 'build' ? ElementPlusDirectResolver({ importStyle: 'css' }) : ElementPlusResolver({ importStyle: 'css' }),
        IconResolver,
      ],
      dts: false,
      // Only the shared components are registered by hand in the views.
      dirs: [],
    }),
    i18nMessages(),
    splitIcons(),
    precompress(),
  ],
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:8080', changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    rolldownOptions: {
      output: {
        // Few, right-sized chunks for the first page: on a slow phone network
        // each request costs a round trip (HTTP/1.1, six connections) and
        // each byte of code the page does not run costs time. The Vue runtime
        // is a chunk of its own (cached across releases); everything else
        // the entry loads statically is one chunk with it ('shell'); the
        // answering page's code is one more ('answer'). The rest splits by
        // view as the views import it. Element Plus components and icons are
        // imported from their own modules (tools/element-plus-direct.mjs,
        // tools/split-icons.mjs), so the first page carries only those it
        // draws, and each area's messages travel with its views
        // (tools/i18n-messages.mjs).
        codeSplitting: {
          groups: [
            { name: 'vue', test: /node_modules[\\/](@vue|vue|vue-router|pinia|vue-i18n|@intlify)[\\/]/, priority: 20 },
            { name: 'shell', tags: ['$initial'], priority: 10 },
            { name: answeringPage, priority: 5 },
          ],
        },
      },
    },
  },
}));
