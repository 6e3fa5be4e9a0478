/**
 * Rendering the Helm chart and checking what it renders: each object
 * validated against the Kubernetes schema of its kind (the npm
 * `kubernetes-models` package), and the gputel command lines it runs.
 *
 * @module
 */

import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { DaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { ROOT, runTool } from "./_tools.ts";

/** The chart's directory. */
export const CHART = join(ROOT, "deploy/helm/gputel");

/** The oldest Kubernetes the chart supports (Chart.yaml `kubeVersion`); templates render for it. */
export const KUBE_VERSION = "1.30.0";

// deno-lint-ignore no-explicit-any
type Model = new (data: any) => { validate(): void };

/** The schema class of every kind the chart renders, by `apiVersion/kind`. */
export const MODELS: Record<string, Model> = {
  "v1/ConfigMap": ConfigMap,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "apps/v1/DaemonSet": DaemonSet,
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "networking.k8s.io/v1/Ingress": Ingress,
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
};

/** A rendered Kubernetes object, loosely typed. */
// deno-lint-ignore no-explicit-any
export type K8sObject = Record<string, any>;

/** The values files the chart is checked with: every `ci/*.yaml`. */
export function ciValues(): string[] {
  return [...Deno.readDirSync(join(CHART, "ci"))]
    .filter((e) => e.isFile && e.name.endsWith(".yaml"))
    .map((e) => join(CHART, "ci", e.name))
    .sort();
}

/**
 * Runs `helm template` and parses every document.
 *
 * @throws {Error} with helm's output when it fails
 */
export async function render(helm: string, args: string[]): Promise<K8sObject[]> {
  const out = await runTool(helm, [
    "template",
    "t",
    CHART,
    "--kube-version",
    KUBE_VERSION,
    ...args,
  ]);
  if (out.code !== 0) throw new Error(`helm template ${args.join(" ")} failed:\n${out.stderr}`);
  return parseAllDocuments(out.stdout).map((d) => d.toJS()).filter((o) => o !== null);
}

/** Validates `object` with its kind's schema class. @throws {Error} naming the object */
export function validate(object: K8sObject): void {
  const key = `${object.apiVersion}/${object.kind}`;
  const model = MODELS[key];
  if (model === undefined) throw new Error(`no schema for ${key}: add its class to MODELS`);
  try {
    new model(object).validate();
  } catch (error) {
    throw new Error(`${key} ${object.metadata?.name}: ${error}`);
  }
}

/** Every pod template of the workloads among `objects`, with the workload's name. */
export function podSpecs(objects: K8sObject[]): { name: string; spec: K8sObject }[] {
  return objects.filter((o) => ["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind))
    .map((o) => ({ name: `${o.kind}/${o.metadata.name}`, spec: o.spec.template.spec }));
}

/**
 * Every gputel container's command line, with Kubernetes' `$(VAR)`
 * expansion applied (downward-API variables get sample values) and its
 * literal `GPUTEL_*` environment.
 */
export function gputelCommands(
  objects: K8sObject[],
  image: string,
): { where: string; args: string[]; env: Record<string, string> }[] {
  const samples: Record<string, string> = {
    POD_NAME: "t-gputel-collect-0",
    NODE_NAME: "gpu-node-1",
  };
  const commands = [];
  for (const { name, spec } of podSpecs(objects)) {
    for (const container of spec.containers) {
      if (!String(container.image).startsWith(`${image}:`)) continue;
      const env: Record<string, string> = {};
      const vars: Record<string, string> = {};
      for (const e of container.env ?? []) {
        if (e.value !== undefined) vars[e.name] = e.value;
        else if (samples[e.name] !== undefined) vars[e.name] = samples[e.name];
        if (e.name.startsWith("GPUTEL_") && e.value !== undefined) env[e.name] = e.value;
      }
      const args = (container.args ?? []).map((a: unknown) =>
        String(a).replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v) => vars[v] ?? m)
      );
      commands.push({ where: `${name} ${container.name}`, args, env });
    }
  }
  return commands;
}
