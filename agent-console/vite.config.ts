import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Served by the sfu under /agent/ (the signaling socket is on the same origin).
export default defineConfig({
  base: '/agent/',
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
            // The charts (统计报表 only, loaded lazily with that tab) and what they pull in.
            { name: 'charts', test: /node_modules[\\/](recharts|d3-[a-z-]+|victory-vendor|@reduxjs|react-redux|immer|reselect|redux|decimal\.js-light|internmap)[\\/]/ },
            { name: 'vendor', test: /node_modules/ },
          ],
        },
      },
    },
  },
});
