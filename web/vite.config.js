// Build of the xinqiao web UI. Everything is bundled into dist/ (no CDN, no
// downloads at run time); the server serves dist/ and the API on one origin.
//
// First load (docs/performance.md): Element Plus components, their styles
// and the icons are imported where a template uses them (on demand), views
// are split by route (lazy imports in router/index.js), and every text asset
// gets a .br and .gz beside it, which the server sends per Accept-Encoding.
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import Components from 'unplugin-vue-components/vite';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';
import * as Icons from '@element-plus/icons-vue';
import { precompress } from './tools/precompress.mjs';
import { i18nMessages } from './tools/i18n-messages.mjs';

// <ArrowLeft />, <Phone /> … in templates are Element Plus icons.
const kIconNames = new Set(Object.keys(Icons));
function IconResolver(name) {
  if (kIconNames.has(name)) return { name, from: '@element-plus/icons-vue' };
  return undefined;
}

export default defineConfig({
  plugins: [
    vue(),
    Components({
      resolvers: [ElementPlusResolver({ importStyle: 'css' }), IconResolver],
      dts: false,
      // Only the shared components are registered by hand in the views.
      dirs: [],
    }),
    i18nMessages(),
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
        // Fewer, larger shared chunks: on a slow phone network each extra
        // request of the first page costs a round trip (HTTP/1.1, six
        // connections). The Vue runtime and the Element Plus core that every
        // page uses form two chunks; components and the libraries only some
        // use (dates, form validation, lodash) stay with the views that use them.
        codeSplitting: {
          groups: [
            { name: 'vue', test: /node_modules[\\/](@vue|vue|vue-router|pinia|vue-i18n|@intlify)[\\/]/, priority: 20 },
            {
              name: 'ep-core',
              test: /node_modules[\\/](element-plus[\\/]es[\\/](hooks|utils|constants|tokens|directives|locale|make-installer)|@vueuse|@floating-ui|@ctrl|@popperjs)/,
              priority: 10,
            },
          ],
        },
      },
    },
  },
});
