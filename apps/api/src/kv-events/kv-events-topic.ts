import { networkInterfaces } from 'os';

/** `kv@<pod-ip>:<port>@<model>`: the topic whose parts llm-d's vLLM adapter reads (pod, model). */
export function kvEventsTopic(podIp: string, port: number, modelId: string): string {
  return `kv@${podIp}:${port}@${modelId}`;
}

/** The first non-internal IPv4 address of this host, else loopback. */
export function hostIpv4(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    const found = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (found) return found.address;
  }
  return '127.0.0.1';
}
