import { defineConfig } from "vitest/config";

// Built into dist/ and served by the API at "/". Everything is bundled: no CDN at run time.
export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    chunkSizeWarningLimit: 2000,
    sourcemap: true,
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:8000" },
  },
  test: {
    environment: "jsdom",
    include: ["test/**/*.test.ts"],
  },
});
