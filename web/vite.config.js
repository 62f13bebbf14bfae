// Build of the xinqiao web UI. Everything is bundled into dist/ (no CDN, no
// downloads at run time); the server serves dist/ and the API on one origin.
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  plugins: [vue()],
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:8080', changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Element Plus is bundled whole; one big vendor chunk is expected.
    chunkSizeWarningLimit: 1500,
  },
});
