import type { KubeObject, ResourceType } from './resources.js';
import { cause, invalid, type StatusCause } from './status.js';

/**
 * What the API server checks and fills in on create, for the kinds served here (the parts a
 * driver meets: names, labels, a pod's containers and volumes, a claim's size), as
 * apimachinery's and the core API's validation word it.
 */

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

const SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_1123_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const LABEL_1035_MESSAGE =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

const NAME_RULE: Record<string, [RegExp, string, number]> = {
  namespaces: [LABEL_1123, LABEL_1123_MESSAGE, 63],
  services: [LABEL_1035, LABEL_1035_MESSAGE, 63],
};

type Spec = Record<string, unknown> & {
  containers?: Container[];
  volumes?: { name?: string; persistentVolumeClaim?: { claimName?: string } }[];
};
interface Container {
  name?: string;
  image?: string;
  imagePullPolicy?: string;
  volumeMounts?: { name?: string; mountPath?: string }[];
  [field: string]: unknown;
}

export function validate(r: ResourceType, object: KubeObject): void {
  const causes: StatusCause[] = [];
  const { name, generateName, labels } = object.metadata;
  const [pattern, message, max] = NAME_RULE[r.plural] ?? [SUBDOMAIN, SUBDOMAIN_MESSAGE, 253];
  if (!name && !generateName)
    causes.push({
      ...cause.required('metadata.name'),
      message: 'Required value: name or generateName is required',
    });
  else if (name && (!pattern.test(name) || name.length > max))
    causes.push(cause.invalid('metadata.name', name, message));
  for (const [k, v] of Object.entries(labels ?? {})) {
    const [prefix, base] = k.includes('/') ? k.split('/', 2) : [undefined, k];
    if (
      !base ||
      !QUALIFIED.test(base) ||
      base.length > 63 ||
      (prefix !== undefined && !SUBDOMAIN.test(prefix))
    )
      causes.push(
        cause.invalid(
          'metadata.labels',
          k,
          "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        ),
      );
    if (typeof v !== 'string' || !LABEL_VALUE.test(v) || v.length > 63)
      causes.push(
        cause.invalid(
          'metadata.labels',
          v,
          "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        ),
      );
  }
  if (r.plural === 'pods') validatePod(object.spec as Spec | undefined, causes);
  if (r.plural === 'persistentvolumeclaims') {
    const spec = object.spec as
      { accessModes?: string[]; resources?: { requests?: { storage?: string } } } | undefined;
    if (!spec?.accessModes?.length) causes.push(cause.required('spec.accessModes'));
    if (!spec?.resources?.requests?.storage) causes.push(cause.required('spec.resources[storage]'));
  }
  if (causes.length) throw invalid(r.kind, r.group, name || generateName || '', causes);
}

function validatePod(spec: Spec | undefined, causes: StatusCause[]): void {
  const containers = spec?.containers ?? [];
  if (containers.length === 0) causes.push(cause.required('spec.containers'));
  const volumes = new Set<string>();
  (spec?.volumes ?? []).forEach((v, i) => {
    if (!v.name) causes.push(cause.required(`spec.volumes[${i}].name`));
    else if (volumes.has(v.name)) causes.push(cause.duplicate(`spec.volumes[${i}].name`, v.name));
    else volumes.add(v.name);
    if (v.persistentVolumeClaim && !v.persistentVolumeClaim.claimName)
      causes.push(cause.required(`spec.volumes[${i}].persistentVolumeClaim.claimName`));
  });
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const at = `spec.containers[${i}]`;
    if (!c.name) causes.push(cause.required(`${at}.name`));
    else if (!LABEL_1123.test(c.name)) causes.push(cause.invalid(`${at}.name`, c.name, LABEL_1123_MESSAGE));
    else if (names.has(c.name)) causes.push(cause.duplicate(`${at}.name`, c.name));
    else names.add(c.name);
    if (!c.image) causes.push(cause.required(`${at}.image`));
    (c.volumeMounts ?? []).forEach((m, j) => {
      if (!m.name || !volumes.has(m.name))
        causes.push({
          reason: 'FieldValueNotFound',
          message: `Not found: ${JSON.stringify(m.name ?? '')}`,
          field: `${at}.volumeMounts[${j}].name`,
        });
      if (!m.mountPath) causes.push(cause.required(`${at}.volumeMounts[${j}].mountPath`));
    });
  });
  const policy = spec?.restartPolicy;
  if (policy !== undefined && !['Always', 'OnFailure', 'Never'].includes(String(policy)))
    causes.push(cause.notSupported('spec.restartPolicy', policy, ['Always', 'OnFailure', 'Never']));
}

let nextServiceIp = 1;

/** Fills in what the API server defaults on create. */
export function applyDefaults(r: ResourceType, object: KubeObject): void {
  const spec = (object.spec ??= {}) as Spec;
  switch (r.plural) {
    case 'namespaces':
      object.metadata.labels = {
        ...object.metadata.labels,
        'kubernetes.io/metadata.name': object.metadata.name,
      };
      spec.finalizers = ['kubernetes'];
      object.status = { phase: 'Active' };
      break;
    case 'pods':
      spec.restartPolicy ??= 'Always';
      spec.terminationGracePeriodSeconds ??= 30;
      spec.dnsPolicy ??= 'ClusterFirst';
      spec.schedulerName ??= 'default-scheduler';
      spec.securityContext ??= {};
      spec.enableServiceLinks ??= true;
      for (const c of spec.containers ?? []) {
        c.terminationMessagePath ??= '/dev/termination-log';
        c.terminationMessagePolicy ??= 'File';
        c.resources ??= {};
        const tag = c.image?.split('/').pop()?.split(':')[1];
        c.imagePullPolicy ??= !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
      }
      object.status = { phase: 'Pending', qosClass: 'BestEffort' };
      break;
    case 'persistentvolumeclaims':
      spec.volumeMode ??= 'Filesystem';
      object.metadata.finalizers = [...(object.metadata.finalizers ?? []), 'kubernetes.io/pvc-protection'];
      object.status = { phase: 'Pending' };
      break;
    case 'services': {
      spec.type ??= 'ClusterIP';
      spec.sessionAffinity ??= 'None';
      spec.clusterIP ??= `10.96.${Math.floor(nextServiceIp / 250)}.${(nextServiceIp++ % 250) + 2}`;
      spec.clusterIPs ??= [spec.clusterIP];
      spec.ipFamilies ??= ['IPv4'];
      spec.ipFamilyPolicy ??= 'SingleStack';
      spec.internalTrafficPolicy ??= 'Cluster';
      for (const port of (spec.ports ?? []) as Record<string, unknown>[]) {
        port.protocol ??= 'TCP';
        port.targetPort ??= port.port;
      }
      object.status = { loadBalancer: {} };
      break;
    }
    case 'secrets': {
      delete object.spec;
      object.type ??= 'Opaque';
      const data = (object.data ?? {}) as Record<string, string>;
      for (const [k, v] of Object.entries((object.stringData ?? {}) as Record<string, string>))
        data[k] = Buffer.from(v).toString('base64');
      delete object.stringData;
      object.data = data;
      break;
    }
    case 'configmaps':
      delete object.spec;
      break;
    case 'networkpolicies':
      spec.policyTypes ??= spec.egress ? ['Ingress', 'Egress'] : ['Ingress'];
      break;
  }
}
