// deploy/helm/chunkserve rendered by a real Helm and every object checked against the Kubernetes
// schemas; its environment accepted by the API's own validation; and the llm-d router values and the
// Gateway/HTTPRoute in deploy/llm-d consistent with the chart (ports, labels, block size, metric names).
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import { parse, parseAllDocuments } from 'yaml';

import { helmTemplate } from './support/helm';

declare const nativeRequire: NodeRequire;
const API_DIST = join(__dirname, '../../apps/api/dist');
const { validateEnvironment } = nativeRequire(join(API_DIST, 'config/environment.js'));
const { kvEventsSettings } = nativeRequire(join(API_DIST, 'kv-events/kv-events.settings.js'));
const { engineMetricsSettings } = nativeRequire(join(API_DIST, 'metrics/engine-metrics.settings.js'));
const { registerProtocolGauges } = nativeRequire(join(API_DIST, 'metrics/protocol-gauges.js'));
const { Registry } = nativeRequire(nativeRequire.resolve('prom-client', { paths: [join(API_DIST, '..')] }));

const CHART = join(__dirname, '../../deploy/helm/chunkserve');
const LLM_D = join(__dirname, '../../deploy/llm-d');
const VALIDATOR = join(__dirname, 'support/validate-k8s.mjs');

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; [key: string]: any };

const work = mkdtempSync(join(tmpdir(), 'chart-'));
let files = 0;
function render(values: object): K8sObject[] {
  const file = join(work, `values-${files++}.json`);
  writeFileSync(file, JSON.stringify(values));
  return parseAllDocuments(helmTemplate(CHART, [file], 'chunkserve'))
    .map((d) => d.toJS())
    .filter(Boolean);
}
function renderError(values: object): string {
  try {
    render(values);
  } catch (err) {
    return String((err as { stderr?: string }).stderr ?? err);
  }
  throw new Error('helm rendered values it should refuse');
}
function schemaCheck(objects: object[]): string[] {
  return execFileSync(process.execPath, [VALIDATOR], { input: JSON.stringify(objects), encoding: 'utf8' }).trim().split('\n');
}
const find = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const only = (objects: K8sObject[], kind: string) => {
  const found = find(objects, kind);
  expect(found).toHaveLength(1);
  return found[0];
};

const required = { secrets: { adminToken: 'chart-admin-token-0123456789' }, postgres: { host: 'db.internal', user: 'cs', password: 'p@ss:w/rd' } };

describe('helm chart deploy/helm/chunkserve', () => {
  it('renders valid objects by default, with probes, drain, the engine-type label and an environment the API accepts', () => {
    const objects = render(required);
    expect(objects.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Secret', 'Service']);
    expect(schemaCheck(objects)).toEqual(objects.map((o) => `ok ${o.kind}/${o.metadata.name}`));

    const deployment = only(objects, 'Deployment');
    const pod = deployment.spec.template;
    const api = pod.spec.containers[0];
    expect(pod.metadata.labels['llm-d.ai/engine-type']).toBe('chunkserve');
    expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'chunkserve', 'app.kubernetes.io/instance': 'chunkserve' });
    expect(api.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(api.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(api.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(api.lifecycle.preStop.exec.command).toEqual(['sleep', '10']);
    // The grace covers the preStop pause (10 s), the drain deadline (30 s) and 20 s to close.
    expect(pod.spec.terminationGracePeriodSeconds).toBe(60);
    expect(api.resources.limits['nvidia.com/gpu']).toBeUndefined();
    expect(Object.fromEntries(api.ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]))).toEqual({
      http: 3000,
      'engine-metrics': 9400,
      'kv-events': 5557,
      'kv-replay': 5558,
    });
    expect(api.env.find((e: { name: string }) => e.name === 'POD_IP').valueFrom.fieldRef.fieldPath).toBe('status.podIP');

    const data = only(objects, 'ConfigMap').data;
    const secret = only(objects, 'Secret').stringData;
    expect(secret.DATABASE_URL).toBe('postgres://cs:p%40ss%3Aw%2Frd@db.internal:5432/chunkserve');
    const env = { ...data, ...secret, POD_IP: '10.0.0.5' };
    const validated = validateEnvironment(env);
    expect(validated).toMatchObject({ PORT: 3000, CHUNK_SIZE: 64, DATABASE_URL: secret.DATABASE_URL, ADMIN_TOKEN: required.secrets.adminToken, DRAIN_TIMEOUT_MS: 30_000 });
    expect(kvEventsSettings(env)).toMatchObject({ KV_EVENTS_ENDPOINT: 'tcp://*:5557', KV_EVENTS_REPLAY_ENDPOINT: 'tcp://*:5558', POD_IP: '10.0.0.5' });
    expect(engineMetricsSettings(env)).toEqual({ ENGINE_METRICS_PORT: 9400 });
    const known = new Set([...Object.keys(validated), 'DATABASE_URL', 'ADMIN_TOKEN', 'METRICS_TOKEN', 'MODEL_PATH', ...Object.keys(kvEventsSettings({})), 'ENGINE_METRICS_PORT']);
    expect(Object.keys(env).filter((name) => !known.has(name))).toEqual([]);
  });

  it('adds a GPU, a model volume, a PodDisruptionBudget and a ServiceMonitor; uses an existing Secret', () => {
    const objects = render({
      secrets: { existingSecret: 'chunkserve-credentials' },
      gpu: { enabled: true },
      model: { path: '/models/tinyllama', volume: { persistentVolumeClaim: { claimName: 'models' } } },
      podDisruptionBudget: { enabled: true, minAvailable: 2 },
      serviceMonitor: { enabled: true },
      kvEvents: { replayPort: 0 },
    });
    expect(objects.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Service', 'ServiceMonitor']);
    expect(schemaCheck(objects).filter((line) => !line.startsWith('ok '))).toEqual([]);

    const pod = only(objects, 'Deployment').spec.template.spec;
    const api = pod.containers[0];
    expect(api.resources.limits).toMatchObject({ 'nvidia.com/gpu': 1, memory: '8Gi' });
    expect(api.resources.requests).toMatchObject({ 'nvidia.com/gpu': 1, cpu: '2' });
    expect(api.volumeMounts).toContainEqual({ name: 'model', mountPath: '/models', readOnly: true });
    expect(pod.volumes).toContainEqual({ name: 'model', persistentVolumeClaim: { claimName: 'models' } });
    expect(api.env.filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => e.valueFrom.secretKeyRef.name)).toEqual(Array(3).fill('chunkserve-credentials'));
    expect(api.ports.map((p: { name: string }) => p.name)).not.toContain('kv-replay');
    const data = only(objects, 'ConfigMap').data;
    expect(data.MODEL_PATH).toBe('/models/tinyllama');
    expect(data.KV_EVENTS_REPLAY_ENDPOINT).toBeUndefined();
    expect(only(objects, 'PodDisruptionBudget').spec).toEqual({ minAvailable: 2, selector: { matchLabels: { 'app.kubernetes.io/name': 'chunkserve', 'app.kubernetes.io/instance': 'chunkserve' } } });
    expect(only(objects, 'ServiceMonitor').spec.endpoints[0]).toMatchObject({ port: 'http', path: '/metrics', authorization: { type: 'Bearer', credentials: { name: 'chunkserve-credentials', key: 'METRICS_TOKEN' } } });
  });

  it('derives the drain deadline and the termination grace from drainTimeoutSeconds and preStopSeconds', () => {
    const objects = render({ ...required, drainTimeoutSeconds: 120, preStopSeconds: 5 });
    expect(only(objects, 'ConfigMap').data.DRAIN_TIMEOUT_MS).toBe('120000');
    const pod = only(objects, 'Deployment').spec.template.spec;
    expect(pod.terminationGracePeriodSeconds).toBe(145);
    expect(pod.containers[0].lifecycle.preStop.exec.command).toEqual(['sleep', '5']);
    expect(validateEnvironment(only(objects, 'ConfigMap').data).DRAIN_TIMEOUT_MS).toBe(120_000);
    // An explicit grace is kept when it covers both, refused when it would kill streams the drain waits for.
    expect(only(render({ ...required, terminationGracePeriodSeconds: 300 }), 'Deployment').spec.template.spec.terminationGracePeriodSeconds).toBe(300);
    expect(renderError({ ...required, terminationGracePeriodSeconds: 30 })).toContain('terminationGracePeriodSeconds (30) must be at least preStopSeconds + drainTimeoutSeconds + 20 = 60');
    expect(renderError({ ...required, drainTimeoutSeconds: '30s' })).toMatch(/drainTimeoutSeconds/);
  });

  it('refuses values that cannot run: no admin token, a short one, no shared Postgres, a ServiceMonitor without a token, unknown keys', () => {
    expect(renderError({ postgres: required.postgres })).toContain('secrets.adminToken is required');
    expect(renderError({ ...required, secrets: { adminToken: 'short' } })).toContain('at least 16 characters');
    expect(renderError({ secrets: required.secrets })).toContain('set postgres.url or postgres.host');
    expect(renderError({ ...required, serviceMonitor: { enabled: true } })).toContain('serviceMonitor.enabled needs secrets.metricsToken');
    // values.schema.json: a misspelt key or a value of the wrong kind stops helm too
    expect(renderError({ ...required, replicas: 3 })).toMatch(/additional properties 'replicas' not allowed/);
    expect(renderError({ ...required, engine: { device: 'tpu' } })).toMatch(/engine\/device/);
    expect(renderError({ ...required, kvEvents: { port: 'zmq' } })).toMatch(/kvEvents\/port/);
  });

  it('has a schema check that finds faults', () => {
    const deployment = only(render(required), 'Deployment');
    deployment.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    delete deployment.spec.selector;
    const [line] = schemaCheck([deployment, { apiVersion: 'inference.networking.k8s.io/v1', kind: 'InferencePool', metadata: { name: 'p' } }]).slice(0, 1);
    expect(line).toMatch(/^invalid Deployment\/chunkserve: .*(containerPort must be integer|must have required property 'selector')/);
    expect(schemaCheck([{ apiVersion: 'x/v1', kind: 'Thing', metadata: { name: 'p' } }])).toEqual(['invalid Thing/p: no schema for x/v1 Thing']);
  });
});

describe('deploy/llm-d: the router beside the chart', () => {
  const chart = render(required);
  const pod = only(chart, 'Deployment').spec.template;
  const ports = Object.fromEntries(pod.spec.containers[0].ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]));
  const config = only(chart, 'ConfigMap').data;
  const router = parse(readFileSync(join(LLM_D, 'router-values.yaml'), 'utf8')).router;
  const epp = parse(router.epp.pluginsCustomConfig[router.epp.pluginsConfigFile]);
  const plugin = (type: string) => epp.plugins.find((p: { type: string }) => p.type === type);

  it('selects the chart pods on their API port and reads their gauges, engine type and KV events as the chart serves them', async () => {
    expect(Object.entries(router.modelServers.matchLabels).every(([k, v]) => pod.metadata.labels[k] === v)).toBe(true);
    expect(router.modelServers.targetPorts).toEqual([{ number: ports.http }]);
    expect(plugin('metrics-data-source').parameters).toEqual({ scheme: 'http', path: '/metrics', port: ports['engine-metrics'] });

    const engine = plugin('core-metrics-extractor').parameters.engineConfigs.find((e: { name: string }) => e.name === pod.metadata.labels['llm-d.ai/engine-type']);
    const registry = new Registry();
    registerProtocolGauges(registry, () => ({ waiting: 1, running: 2, kvUtilization: 0.5, blockSize: 64, blocks: 99 }));
    const served = await registry.metrics();
    for (const spec of [engine.queuedRequestsSpec, engine.runningRequestsSpec, engine.kvUsageSpec]) expect(served).toMatch(new RegExp(`^${spec} \\d`, 'm'));
    expect(served).toContain(`${engine.cacheInfoSpec}{${engine.cacheBlockSizeLabelName}="64",${engine.cacheNumBlocksLabelName}="99"} 1`);

    const precise = plugin('precise-prefix-cache-producer').parameters;
    expect(precise.tokenProcessorConfig.blockSizeTokens).toBe(Number(config.CHUNK_SIZE));
    expect(precise.kvEventsConfig.podDiscoveryConfig).toEqual({ socketPort: ports['kv-events'], replaySocketPort: ports['kv-replay'] });
    expect(plugin('prefix-cache-scorer').parameters.prefixMatchInfoProducerName).toBe('precise-prefix-cache-producer');
  });

  it('schedules with the prefix, queue and KV-utilisation scorers, every reference defined', () => {
    const defined = new Set(epp.plugins.map((p: { type: string; name?: string }) => p.name ?? p.type));
    const refs = [
      ...epp.schedulingProfiles.flatMap((p: { plugins: { pluginRef: string }[] }) => p.plugins.map((x) => x.pluginRef)),
      ...epp.dataLayer.sources.flatMap((s: { pluginRef: string; extractors: { pluginRef: string }[] }) => [s.pluginRef, ...s.extractors.map((e) => e.pluginRef)]),
    ];
    expect(refs.filter((r: string) => !defined.has(r))).toEqual([]);
    expect(refs).toEqual(expect.arrayContaining(['prefix-cache-scorer', 'queue-scorer', 'kv-cache-utilization-scorer']));
  });

  it('routes a Gateway to the InferencePool with valid Gateway API objects', () => {
    const objects = parseAllDocuments(readFileSync(join(LLM_D, 'gateway.yaml'), 'utf8')).map((d) => d.toJS()) as K8sObject[];
    expect(schemaCheck(objects)).toEqual(['ok Gateway/inference-gateway', 'ok HTTPRoute/chunkserve']);
    const [gateway, route] = objects;
    expect(route.spec.parentRefs[0].name).toBe(gateway.metadata.name);
    expect(route.spec.rules[0].backendRefs).toEqual([{ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'chunkserve-router' }]);
    expect(route.spec.rules[1].backendRefs).toEqual([{ kind: 'Service', name: only(chart, 'Service').metadata.name, port: ports.http }]);
  });
});
