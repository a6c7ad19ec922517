// Builds the dashboard renderer (renderer/) into dist/ui, which engine/dashboard serves.
// No @vitejs/plugin-react: esbuild's automatic JSX runtime is all React 19 needs here.
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'renderer',
  base: '/',
  publicDir: false,
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: '../dist/ui',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      onwarn(w, warn) {
        // TanStack Query marks modules "use client" (for RSC); irrelevant in a client bundle.
        if (w.code === 'MODULE_LEVEL_DIRECTIVE' || w.code === 'SOURCEMAP_ERROR') return;
        warn(w);
      },
    },
  },
  logLevel: 'warn',
});
