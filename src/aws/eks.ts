import type { EKSClient } from '@aws-sdk/client-eks';
import { AwsError, toAwsError } from './errors.js';
import { eksSdk } from './sdk.js';

const { DescribeNodegroupCommand, ListNodegroupsCommand, UpdateNodegroupConfigCommand } = eksSdk(); // required, not imported: aws/sdk.ts

/** A nodegroup's scaling config. EKS requires minSize <= desiredSize <= maxSize and maxSize >= 1. */
export interface ScalingConfig {
  minSize: number;
  maxSize: number;
  desiredSize: number;
}

export interface NodegroupInfo {
  clusterName: string;
  nodegroupName: string;
  /** ACTIVE, UPDATING, CREATING, DELETING, CREATE_FAILED, DELETE_FAILED, DEGRADED. */
  status: string;
  scaling: ScalingConfig;
}

/** Refuses clusters with more nodegroups than this (a runaway nextToken). */
const MAX_PAGES = 20;

/** Every nodegroup name of a cluster (ListNodegroups, all pages). */
export async function listNodegroups(client: EKSClient, clusterName: string): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  for (let page = 1; ; page++) {
    let out;
    try {
      out = await client.send(new ListNodegroupsCommand({ clusterName, ...(nextToken ? { nextToken } : {}) }));
    } catch (err) {
      throw toAwsError(err, 'EKS ListNodegroups', `cluster ${clusterName}`);
    }
    names.push(...(out.nodegroups ?? []));
    nextToken = out.nextToken ?? undefined;
    if (!nextToken) return names;
    if (page >= MAX_PAGES) {
      throw new AwsError('aws-error', 'EKS ListNodegroups', undefined, `cluster ${clusterName}: more than ${MAX_PAGES} pages of nodegroups; stopped`);
    }
  }
}

/** DescribeNodegroup: the status and the current scaling config. */
export async function describeNodegroup(client: EKSClient, clusterName: string, nodegroupName: string): Promise<NodegroupInfo> {
  const operation = 'EKS DescribeNodegroup';
  let out;
  try {
    out = await client.send(new DescribeNodegroupCommand({ clusterName, nodegroupName }));
  } catch (err) {
    throw toAwsError(err, operation, `nodegroup ${nodegroupName} of cluster ${clusterName}`);
  }
  const ng = out.nodegroup;
  const sc = ng?.scalingConfig;
  const min = sc?.minSize;
  const max = sc?.maxSize;
  const desired = sc?.desiredSize;
  if (!ng || !isCount(min) || !isCount(max) || !isCount(desired)) {
    throw new AwsError(
      'aws-error',
      operation,
      undefined,
      `nodegroup ${nodegroupName} of cluster ${clusterName}: no complete scalingConfig in the answer (minSize ${String(min)}, desiredSize ${String(desired)}, maxSize ${String(max)})`,
    );
  }
  return { clusterName, nodegroupName, status: ng.status ?? 'UNKNOWN', scaling: { minSize: min, maxSize: max, desiredSize: desired } };
}

/** UpdateNodegroupConfig with a full scaling config; returns the update id. */
export async function updateNodegroupScaling(client: EKSClient, clusterName: string, nodegroupName: string, scaling: ScalingConfig): Promise<string | undefined> {
  try {
    const out = await client.send(
      new UpdateNodegroupConfigCommand({
        clusterName,
        nodegroupName,
        scalingConfig: { minSize: scaling.minSize, maxSize: scaling.maxSize, desiredSize: scaling.desiredSize },
      }),
    );
    return out.update?.id;
  } catch (err) {
    throw toAwsError(err, 'EKS UpdateNodegroupConfig', `nodegroup ${nodegroupName} of cluster ${clusterName}`);
  }
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}
