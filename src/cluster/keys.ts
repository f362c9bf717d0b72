/** The Redis key names of one namespace (every instance of one account shares them). */
import { createHash } from 'node:crypto';

export interface ClusterKeys {
  bucket(name: 'read' | 'write'): string;
  /** Prefix of the presence keys: presence + instance id. */
  readonly presencePrefix: string;
  presence(instanceId: string): string;
  readonly instances: string;
  readonly reservations: string;
  readonly version: string;
  readonly writers: string;
  readonly claims: string;
  lease(group: string): string;
  fence(group: string): string;
  holder(group: string): string;
}

/** The default namespace: a hash of the API key id (the id itself never reaches Redis). */
export function namespaceFor(apiKeyId: string | undefined): string {
  return createHash('sha256')
    .update(apiKeyId ?? 'no-key')
    .digest('hex')
    .slice(0, 16);
}

export function clusterKeys(namespace: string): ClusterKeys {
  const p = `krm:${namespace}:`;
  return {
    bucket: (name) => `${p}bucket:${name}`,
    presencePrefix: `${p}inst:`,
    presence: (id) => `${p}inst:${id}`,
    instances: `${p}instances`,
    reservations: `${p}resv`,
    version: `${p}resv:version`,
    writers: `${p}resv:writers`,
    claims: `${p}resv:claims`,
    lease: (group) => `${p}lease:${group}`,
    fence: (group) => `${p}lease:${group}:fence`,
    holder: (group) => `${p}lease:${group}:holder`,
  };
}
