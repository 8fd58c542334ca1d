/**
 * deploy/k8s without a cluster: the dev overlay is rendered (with `kubectl kustomize` when it is installed, and
 * always with the small renderer below, which must agree with it) and what a deployer relies on is asserted:
 * probes, ports, env and secrets, the ConfigMap built from config/, and that image and commands match the
 * Dockerfile and package.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { loadConfig } from '../src/shared/config';

const ROOT = join(__dirname, '..');
const OVERLAY = join(ROOT, 'deploy/k8s/overlays/dev');

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// ---------------------------------------------------------------------------------------------------------------
// A kustomize subset: resources (files and kustomization dirs), namespace, labels, images, configMapGenerator
// (files; no hash suffix), patches (strategic merge from a file, or JSON 6902 `replace` ops with a target).

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Strategic merge, as far as these manifests need it: maps deep-merged, lists of named items merged by name. */
function merge(base: unknown, patch: unknown): unknown {
  if (isObj(base) && isObj(patch)) {
    const out: Obj = { ...base };
    for (const [k, v] of Object.entries(patch)) out[k] = k in base ? merge(base[k], v) : v;
    return out;
  }
  if (Array.isArray(base) && Array.isArray(patch) && [...base, ...patch].every((x) => isObj(x) && typeof x.name === 'string')) {
    const out = base.map((b: Obj) => {
      const p = patch.find((x: Obj) => x.name === b.name);
      return p ? merge(b, p) : b;
    });
    // kustomize puts the patch's new items first
    return [...patch.filter((p: Obj) => !base.some((b: Obj) => b.name === p.name)), ...out];
  }
  return patch;
}

function render(dir: string): Obj[] {
  const k = parseYaml(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Obj;
  let out: Obj[] = [];
  for (const r of (k.resources ?? []) as string[]) {
    const path = resolve(dir, r);
    out.push(...(existsSync(join(path, 'kustomization.yaml')) ? render(path) : parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as Obj)));
  }
  for (const g of (k.configMapGenerator ?? []) as Obj[]) {
    const data = Object.fromEntries((g.files as string[]).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
    out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: g.name }, data });
  }
  for (const p of (k.patches ?? []) as Obj[]) {
    if (p.path) {
      const patch = parseYaml(readFileSync(join(dir, p.path), 'utf8')) as Obj;
      out = out.map((o) => (o.kind === patch.kind && o.metadata.name === patch.metadata.name ? (merge(o, patch) as Obj) : o));
    } else {
      for (const o of out.filter((x) => x.kind === p.target.kind && x.metadata.name === p.target.name)) {
        for (const op of parseYaml(p.patch) as Obj[]) {
          if (op.op !== 'replace') throw new Error(`unsupported patch op ${op.op}`);
          const keys = (op.path as string).split('/').slice(1);
          keys.slice(0, -1).reduce((a: Obj, key) => a[key], o)[keys[keys.length - 1]] = op.value;
        }
      }
    }
  }
  for (const o of out) {
    if (k.namespace) o.metadata.namespace = k.namespace;
    for (const l of (k.labels ?? []) as Obj[]) o.metadata.labels = { ...o.metadata.labels, ...l.pairs };
    for (const c of [...(o.spec?.template?.spec?.containers ?? [])] as Obj[]) {
      const [name, tag] = String(c.image).split(':');
      const img = ((k.images ?? []) as Obj[]).find((i) => i.name === name);
      if (img) c.image = `${img.newName ?? name}:${img.newTag ?? tag ?? 'latest'}`;
    }
  }
  return out;
}

/** kubectl appends a content hash to generated ConfigMap names; compare without it. */
function unhash(objs: Obj[]): Obj[] {
  const text = JSON.stringify(objs).replace(/"(acervo-config)-[a-z0-9]{10}"/g, '"$1"');
  return (JSON.parse(text) as Obj[]).sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));
}

const kubectl = spawnSync('kubectl', ['kustomize', OVERLAY], { encoding: 'utf8' });
const HAVE_KUBECTL = !kubectl.error && kubectl.status === 0;
const RENDERED = unhash(HAVE_KUBECTL ? parseAllDocuments(kubectl.stdout).map((d) => d.toJS() as Obj) : render(OVERLAY));
const find = (kind: string, name: string): Obj => {
  const o = RENDERED.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind}/${name} not rendered`);
  return o;
};
const api = find('Deployment', 'acervo-api');
const worker = find('Deployment', 'acervo-worker');
const container = (d: Obj): Obj => d.spec.template.spec.containers[0];
const env = (c: Obj): Record<string, Obj> => Object.fromEntries((c.env as Obj[]).map((e) => [e.name, e]));

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

describe('deploy/k8s (kustomize base + dev overlay)', () => {
  it('the renderer here agrees with kubectl kustomize (when kubectl is installed)', () => {
    if (!HAVE_KUBECTL) return void expect(render(OVERLAY).length).toBe(RENDERED.length);
    expect(unhash(render(OVERLAY))).toEqual(RENDERED);
  });

  it('renders the api and worker Deployments, Service, ConfigMap, HPA and PDB in the overlay namespace', () => {
    expect(RENDERED.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/acervo-config', 'Deployment/acervo-api', 'Deployment/acervo-worker', 'HorizontalPodAutoscaler/acervo-api', 'PodDisruptionBudget/acervo-api', 'Service/acervo-api',
    ]);
    for (const o of RENDERED) expect(o.metadata.namespace).toBe('acervo-dev');
    expect(api.spec.replicas).toBe(1);
    expect(find('HorizontalPodAutoscaler', 'acervo-api').spec).toMatchObject({ scaleTargetRef: { kind: 'Deployment', name: 'acervo-api' }, minReplicas: 1, maxReplicas: 2 });
  });

  it('api: the image and its CMD are the Dockerfile\'s (npm run start:prod), on the exposed port, probed on /health', () => {
    const c = container(api);
    expect(c.image).toBe('acervo:dev');
    expect(dockerfile).toMatch(/docker build -t acervo /);
    expect(c.command).toBeUndefined();
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]) as string[];
    expect(cmd.join(' ')).toBe(pkg.scripts['start:prod']);
    const exposed = Number(/^EXPOSE (\d+)$/m.exec(dockerfile)![1]);
    expect(c.ports).toEqual([{ name: 'http', containerPort: exposed }]);
    expect(env(c).PORT.value).toBe(String(exposed));
    expect(c.startupProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(120);
    const svc = find('Service', 'acervo-api');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http' }]);
    expect(api.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
    expect(api.spec.template.metadata.labels).toMatchObject(find('PodDisruptionBudget', 'acervo-api').spec.selector.matchLabels);
    expect(api.spec.template.metadata.annotations).toMatchObject({ 'prometheus.io/path': '/metrics', 'prometheus.io/port': String(exposed) });
  });

  it('worker: the same image running npm run start:worker', () => {
    const c = container(worker);
    expect(c.image).toBe(container(api).image);
    expect(c.command).toEqual(['npm', 'run', 'start:worker']);
    // the script comes with the queue work (issue 10); when it is there, it runs built code like start:prod
    if (pkg.scripts['start:worker']) expect(pkg.scripts['start:worker']).toMatch(/dist\//);
    expect(env(c).npm_config_cache.value).toMatch(/^\/tmp\//);
  });

  it('worker: its own /metrics on WORKER_METRICS_PORT, annotated for scraping, liveness on /health/live there', () => {
    const c = container(worker);
    const port = (c.ports as Obj[]).find((p) => p.name === 'metrics')!;
    expect(String(port.containerPort)).toBe(env(c).WORKER_METRICS_PORT.value);
    expect(worker.spec.template.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port.containerPort), 'prometheus.io/path': '/metrics' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'metrics' });
  });

  it.each([['api', api], ['worker', worker]])('%s: non-root, read-only root filesystem with /tmp an emptyDir, resources, secrets by reference', (_, d) => {
    const pod = d.spec.template.spec;
    const c = container(d);
    expect(dockerfile).toMatch(/^USER node$/m); // uid 1000 in the node images
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    const tmp = (c.volumeMounts as Obj[]).find((m) => m.mountPath === '/tmp')!;
    expect((pod.volumes as Obj[]).find((v) => v.name === tmp.name)).toHaveProperty('emptyDir');
    expect(env(c).DATA_DIR.value).toMatch(/^\/tmp\//);
    expect(c.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    expect(c.resources.limits.memory).toBeDefined();
    const vars = env(c);
    expect(vars.DATABASE_URL.valueFrom.secretKeyRef).toEqual({ name: 'acervo-secrets', key: 'DATABASE_URL' }); // required
    for (const name of ['REDIS_URL', 'OPENAI_API_KEY']) expect(vars[name].valueFrom.secretKeyRef).toEqual({ name: 'acervo-secrets', key: name, optional: true });
    for (const e of c.env as Obj[]) if (/KEY|URL|PASSWORD|SECRET/.test(e.name)) expect(e.value).toBeUndefined();
  });

  it('the ConfigMap is config/ itself, mounted as CONFIG_DIR; it loads with the pod env; the grace period covers the shutdown drain', () => {
    const cm = find('ConfigMap', 'acervo-config');
    for (const [file, text] of Object.entries(cm.data as Record<string, string>)) expect(text).toBe(readFileSync(join(ROOT, 'config', file), 'utf8'));
    const c = container(api);
    const vars = env(c);
    const mount = (c.volumeMounts as Obj[]).find((m) => m.mountPath === vars.CONFIG_DIR.value)!;
    expect(api.spec.template.spec.volumes.find((v: Obj) => v.name === mount.name).configMap.name).toBe('acervo-config');
    for (const profile of vars.APP_PROFILES.value.split(',')) expect(Object.keys(cm.data)).toContain(`${profile}.yaml`);
    const dir = mkdtempSync(join(tmpdir(), 'acervo-k8s-'));
    try {
      for (const [file, text] of Object.entries(cm.data as Record<string, string>)) writeFileSync(join(dir, file), text);
      const literal = Object.fromEntries((c.env as Obj[]).filter((e) => e.value !== undefined).map((e) => [e.name, e.value as string]));
      const config = loadConfig({ configDir: dir, env: { ...literal, DATABASE_URL: 'postgres://u:p@db:5432/acervo' } });
      expect(config.app.port).toBe(Number(vars.PORT.value));
      expect(config.logging.format).toBe('json');
      const drainMs = config.http.shutdown.stopAcceptingAfterMs + config.http.shutdown.graceMs;
      expect(api.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(drainMs);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
