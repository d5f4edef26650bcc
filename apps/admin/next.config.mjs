/** @type {import('next').NextConfig} */
const nextConfig = {
  // The dashboard talks to the API from the server side only (see lib/api.ts).
  poweredByHeader: false,
  transpilePackages: ['@chunkserve/contracts'],
  // The live relay's WebSocket client runs in Node as is (not bundled).
  serverExternalPackages: ['ws'],
};
export default nextConfig;
