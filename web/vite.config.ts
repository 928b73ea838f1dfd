import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// The dashboard is served by the daemon from web/dist; `npm run build:web` builds it.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [preact()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // One small bundle: no source maps shipped in the package, no inline modulepreload polyfill.
    sourcemap: false,
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
  },
});
