/** @type {import('next').NextConfig} */
const nextConfig = {
  // The dashboard talks to the API from the server side only (see lib/api.ts).
  poweredByHeader: false,
  transpilePackages: ['@chunkserve/contracts'],
};
export default nextConfig;
