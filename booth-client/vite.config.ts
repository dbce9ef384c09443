import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Served by the sfu under /booth/ (the signaling socket is on the same origin).
export default defineConfig({
  base: '/booth/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    rolldownOptions: {
      output: {
        // Libraries apart from the app code: they change rarely and stay cached across deploys.
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ },
            { name: 'vendor', test: /node_modules/ },
          ],
        },
      },
    },
  },
});
