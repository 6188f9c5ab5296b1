import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { SANDBOX_HOME, SANDBOX_WORKSPACE, type SandboxSpec } from '../../sandbox/driver.js';
import { CLAIMS, type KubeApi } from './api.js';
import { RESOURCES, type KubeObject } from './resources.js';

const SECRETS = RESOURCES.find((r) => r.plural === 'secrets')!;
const CONFIG_MAPS = RESOURCES.find((r) => r.plural === 'configmaps')!;

export interface Volume {
  name: string;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  emptyDir?: object;
  secret?: { secretName: string };
  configMap?: { name: string };
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
}

/** Where a claim's files live on the host: one directory per claim (per uid, so a new claim of the same name starts empty). */
export const claimDir = (root: string, claim: KubeObject) =>
  join(root, 'volumes', `pvc-${claim.metadata.uid}`);

/** A new claim is bound at once to a host directory, as a dynamic provisioner with `Immediate` binding would. */
export async function bindClaim(api: KubeApi, root: string, claim: KubeObject): Promise<void> {
  await mkdir(claimDir(root, claim), { recursive: true, mode: 0o755 });
  const current = api.store.get(CLAIMS, claim.metadata.namespace, claim.metadata.name);
  if (!current || current.metadata.uid !== claim.metadata.uid) return;
  const spec = current.spec as {
    accessModes?: string[];
    resources?: { requests?: { storage?: string } };
    volumeName?: string;
  };
  spec.volumeName = `pvc-${current.metadata.uid}`;
  current.metadata.annotations = {
    ...current.metadata.annotations,
    'pv.kubernetes.io/bind-completed': 'yes',
    'pv.kubernetes.io/bound-by-controller': 'yes',
  };
  current.status = {
    phase: 'Bound',
    accessModes: spec.accessModes,
    capacity: { storage: spec.resources?.requests?.storage },
  };
  api.store.update(CLAIMS, current);
}

export class VolumeError extends Error {}

/**
 * The sandbox's mounts for a pod: the volume mounted at /workspace becomes the sandbox's
 * workDir, the one at the sandbox user's home its homeDir (each an emptyDir of the pod when
 * no volume is mounted there), every other mount a bind at its mountPath. Claims must exist
 * and be bound; secrets and config maps are written out as files, read-only inside.
 */
export async function podMounts(
  api: KubeApi,
  root: string,
  pod: KubeObject,
  podDir: string,
  owner: { uid: number; gid: number },
): Promise<Pick<SandboxSpec, 'workDir' | 'homeDir' | 'binds'>> {
  const spec = pod.spec as { volumes?: Volume[]; containers: { volumeMounts?: VolumeMount[] }[] };
  const namespace = pod.metadata.namespace!;
  const sources = new Map<string, { dir: string; readOnly: boolean }>();
  for (const volume of spec.volumes ?? []) {
    if (volume.persistentVolumeClaim) {
      const claim = api.store.get(CLAIMS, namespace, volume.persistentVolumeClaim.claimName);
      if (!claim)
        throw new VolumeError(`persistentvolumeclaim "${volume.persistentVolumeClaim.claimName}" not found`);
      if (claim.metadata.deletionTimestamp)
        throw new VolumeError(`persistentvolumeclaim "${claim.metadata.name}" is being deleted`);
      if ((claim.status as { phase?: string } | undefined)?.phase !== 'Bound')
        throw new VolumeError(`pod has unbound immediate PersistentVolumeClaims`);
      sources.set(volume.name, {
        dir: claimDir(root, claim),
        readOnly: volume.persistentVolumeClaim.readOnly ?? false,
      });
    } else if (volume.secret || volume.configMap) {
      const r = volume.secret ? SECRETS : CONFIG_MAPS;
      const name = volume.secret?.secretName ?? volume.configMap!.name;
      const source = api.store.get(r, namespace, name);
      if (!source) throw new VolumeError(`${r.singular} "${name}" not found`);
      const dir = join(podDir, 'volumes', volume.name);
      await mkdir(dir, { recursive: true });
      for (const [key, value] of Object.entries((source.data ?? {}) as Record<string, string>))
        await writeFile(join(dir, key), volume.secret ? Buffer.from(value, 'base64') : value, {
          mode: 0o644,
        });
      sources.set(volume.name, { dir, readOnly: true });
    } else {
      const dir = join(podDir, 'volumes', volume.name);
      await mkdir(dir, { recursive: true, mode: 0o755 });
      await chown(dir, owner.uid, owner.gid);
      sources.set(volume.name, { dir, readOnly: false });
    }
  }
  let workDir = join(podDir, 'workspace');
  let homeDir = join(podDir, 'home');
  const binds: NonNullable<SandboxSpec['binds']> = [];
  const seen = new Set<string>();
  for (const container of spec.containers)
    for (const mount of container.volumeMounts ?? []) {
      const source = sources.get(mount.name)!;
      const path = posix.normalize(mount.mountPath).replace(/(.)\/$/, '$1');
      if (seen.has(path)) continue; // one sandbox per pod: the first container's mount at a path wins
      seen.add(path);
      const hostPath = mount.subPath ? join(source.dir, mount.subPath) : source.dir;
      if (mount.subPath) {
        await mkdir(hostPath, { recursive: true });
        await chown(hostPath, owner.uid, owner.gid);
      }
      if (path === SANDBOX_WORKSPACE) workDir = hostPath;
      else if (path === SANDBOX_HOME) homeDir = hostPath;
      else binds.push({ hostPath, sandboxPath: path, readOnly: mount.readOnly ?? source.readOnly });
    }
  return { workDir, homeDir, binds };
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
