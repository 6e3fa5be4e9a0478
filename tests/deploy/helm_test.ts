import assert from "node:assert/strict";
import { basename } from "node:path";
import { findFlag } from "../../src/cli/flags.ts";
import { parseCli } from "../../src/cli/parse.ts";
import { CHART, ciValues, gputelCommands, podSpecs, render, validate } from "./_helm.ts";
import { findTool, runTool } from "./_tools.ts";

const helm = findTool("helm", "helm lint and helm template of deploy/helm/gputel");
const noHelm = helm === undefined;
/** `stream --source` comes with the live GPU sources; until then the live variant cannot parse. */
const hasSource = findFlag("source") !== undefined;
if (!hasSource) {
  console.warn(
    "IGNORED: the ci/live-values.yaml command line check: this gputel has no --source flag yet",
  );
}

Deno.test({
  name: "helm lint --strict passes with the defaults and every ci/*.yaml",
  ignore: noHelm,
  fn: async () => {
    for (const values of [undefined, ...ciValues()]) {
      const args = ["lint", "--strict", CHART, ...(values ? ["-f", values] : [])];
      const out = await runTool(helm!, args);
      assert.equal(out.code, 0, `${values ?? "defaults"}:\n${out.stdout}${out.stderr}`);
      assert.match(out.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  },
});

Deno.test({
  name: "every object rendered for every ci/*.yaml is valid for its kind's Kubernetes schema",
  ignore: noHelm,
  fn: async () => {
    const kinds = new Set<string>();
    for (const values of ciValues()) {
      for (const apis of [[], ["--api-versions", "monitoring.coreos.com/v1"]]) {
        const objects = await render(helm!, ["-f", values, ...apis]);
        assert.ok(objects.length >= 8, `${basename(values)} rendered ${objects.length} objects`);
        for (const object of objects) {
          validate(object);
          kinds.add(object.kind);
        }
      }
    }
    for (
      const kind of [
        "StatefulSet",
        "Deployment",
        "DaemonSet",
        "Service",
        "PodDisruptionBudget",
        "PersistentVolumeClaim",
        "Ingress",
        "ServiceMonitor",
        "Secret",
        "ConfigMap",
      ]
    ) {
      assert.ok(kinds.has(kind), `no ci/*.yaml renders a ${kind}`);
    }
  },
});

Deno.test({
  name: "the schema check catches a broken object",
  ignore: noHelm,
  fn: async () => {
    const objects = await render(helm!, []);
    const collect = objects.find((o) =>
      o.kind === "StatefulSet" && /collect$/.test(o.metadata.name)
    )!;
    collect.spec.template.spec.containers[0].ports[0].containerPort = "8080";
    assert.throws(() => validate(collect), /containerPort must be integer/);
  },
});

Deno.test({
  name: "every gputel command line the chart renders is one gputel's own parser accepts",
  ignore: noHelm,
  fn: async () => {
    let checked = 0;
    for (const values of ciValues()) {
      if (basename(values) === "live-values.yaml" && !hasSource) continue;
      const objects = await render(helm!, ["-f", values]);
      for (const { where, args, env } of gputelCommands(objects, "gputel")) {
        const run = parseCli(args, env);
        assert.equal(run.kind, "run", `${basename(values)} ${where}`);
        checked++;
      }
    }
    assert.ok(checked >= 12, `only ${checked} command lines checked`);
  },
});

Deno.test({
  name: "the live DaemonSet's `stream --source nvml` parses",
  ignore: noHelm || !hasSource,
  fn: async () => {
    const objects = await render(helm!, ["-f", `${CHART}/ci/live-values.yaml`]);
    const commands = gputelCommands(objects, "gputel").filter((c) =>
      c.where.startsWith("DaemonSet")
    );
    assert.equal(commands.length, 1);
    assert.equal(parseCli(commands[0].args, commands[0].env).kind, "run");
  },
});

Deno.test({
  name: "the command line check fails on a flag gputel does not have",
  ignore: noHelm,
  fn: async () => {
    const objects = await render(helm!, []);
    const [first] = gputelCommands(objects, "gputel");
    assert.throws(() => parseCli([...first.args, "--no-such-flag", "1"], {}), /unknown flag/);
  },
});

Deno.test({
  name: "values.schema.json holds collectors and CSV streamers to 1-10 replicas",
  ignore: noHelm,
  fn: async () => {
    for (const set of ["collect.replicas=11", "collect.replicas=0", "stream.csv.replicas=11"]) {
      await assert.rejects(
        render(helm!, ["--set", set]),
        /values don't meet the specifications/,
        set,
      );
    }
    const ten = await render(helm!, ["--set", "collect.replicas=10,stream.csv.replicas=10"]);
    const replicas = ten.filter((o) => o.spec?.replicas !== undefined)
      .map((o) => `${o.kind}/${o.metadata.name}=${o.spec.replicas}`).sort();
    assert.deepEqual(replicas, [
      "Deployment/t-gputel-api=1",
      "Deployment/t-gputel-stream=10",
      "StatefulSet/t-gputel-broker=1",
      "StatefulSet/t-gputel-collect=10",
    ]);
  },
});

Deno.test({
  name:
    "every pod runs non-root on a read-only root with no capabilities and no service account token",
  ignore: noHelm,
  fn: async () => {
    for (const values of ciValues()) {
      for (const { name, spec } of podSpecs(await render(helm!, ["-f", values]))) {
        assert.equal(spec.automountServiceAccountToken, false, name);
        assert.equal(spec.securityContext.runAsNonRoot, true, name);
        for (const c of spec.containers) {
          assert.equal(c.securityContext.readOnlyRootFilesystem, true, name);
          assert.equal(c.securityContext.allowPrivilegeEscalation, false, name);
          assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"], name);
          assert.ok(c.resources.requests.memory && c.resources.limits.memory, name);
        }
      }
    }
  },
});

Deno.test({
  name: "collectors: --id is the pod name, one claim per replica, the api asks them over DNS",
  ignore: noHelm,
  fn: async () => {
    const objects = await render(helm!, ["-f", `${CHART}/ci/default-values.yaml`]);
    const collect = objects.find((o) =>
      o.kind === "StatefulSet" && /collect$/.test(o.metadata.name)
    )!;
    const container = collect.spec.template.spec.containers[0];
    assert.equal(container.args[container.args.indexOf("--id") + 1], "$(POD_NAME)");
    assert.deepEqual(container.env.find((e: { name: string }) => e.name === "POD_NAME").valueFrom, {
      fieldRef: { fieldPath: "metadata.name" },
    });
    assert.equal(collect.spec.volumeClaimTemplates[0].spec.accessModes[0], "ReadWriteOnce");
    const headless = objects.find((o) =>
      o.kind === "Service" && o.metadata.name === collect.spec.serviceName
    )!;
    assert.equal(headless.spec.clusterIP, "None");
    const api = objects.find((o) => o.kind === "Deployment" && /api$/.test(o.metadata.name))!;
    const args = api.spec.template.spec.containers[0].args;
    assert.equal(args[args.indexOf("--collectors") + 1], `dns:${headless.metadata.name}:8080`);
    // Token from the Secret, never on a command line.
    for (const { args } of gputelCommands(objects, "gputel")) {
      assert.equal(args[args.indexOf("--token-file") + 1], "/etc/gputel/token/token");
      assert.ok(!args.includes("--token") && !args.includes("ci-token"));
    }
  },
});

Deno.test({
  name: "collect.storage.shared: one ReadWriteMany claim, and the api reads it with --data-dir",
  ignore: noHelm,
  fn: async () => {
    const objects = await render(helm!, ["-f", `${CHART}/ci/shared-storage-values.yaml`]);
    const claims = objects.filter((o) => o.kind === "PersistentVolumeClaim");
    assert.deepEqual(claims.map((c) => c.spec.accessModes), [["ReadWriteMany"]]);
    const collect = objects.find((o) =>
      o.kind === "StatefulSet" && /collect$/.test(o.metadata.name)
    )!;
    assert.equal(collect.spec.volumeClaimTemplates, undefined);
    const api = objects.find((o) => o.kind === "Deployment" && /api$/.test(o.metadata.name))!;
    const pod = api.spec.template.spec;
    assert.equal(pod.containers[0].args[pod.containers[0].args.indexOf("--data-dir") + 1], "/data");
    assert.ok(!pod.containers[0].args.includes("--collectors"));
    assert.equal(
      pod.volumes.find((v: { name: string }) => v.name === "data").persistentVolumeClaim.claimName,
      claims[0].metadata.name,
    );
  },
});

Deno.test({
  name:
    "the ServiceMonitor is rendered only when asked for and the cluster has monitoring.coreos.com/v1",
  ignore: noHelm,
  fn: async () => {
    const monitors = async (args: string[]) =>
      (await render(helm!, args)).filter((o) => o.kind === "ServiceMonitor").length;
    const on = ["--set", "serviceMonitor.enabled=true"];
    const api = ["--api-versions", "monitoring.coreos.com/v1"];
    assert.equal(await monitors([]), 0);
    assert.equal(await monitors(api), 0);
    assert.equal(await monitors(on), 0);
    assert.equal(await monitors([...on, ...api]), 1);
  },
});

Deno.test({
  name: "the broker has probes on /health, a PDB and time to drain on SIGTERM",
  ignore: noHelm,
  fn: async () => {
    const objects = await render(helm!, []);
    const broker = objects.find((o) =>
      o.kind === "StatefulSet" && /broker$/.test(o.metadata.name)
    )!;
    const pod = broker.spec.template.spec;
    const c = pod.containers[0];
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
      assert.equal(c[probe].httpGet.path, "/health", probe);
    }
    assert.ok(c.lifecycle.preStop.sleep.seconds > 0);
    assert.ok(pod.terminationGracePeriodSeconds >= 30);
    assert.equal(broker.spec.volumeClaimTemplates.length, 1);
    const pdb = objects.find((o) => o.kind === "PodDisruptionBudget")!;
    assert.deepEqual(pdb.spec.selector.matchLabels, broker.spec.selector.matchLabels);
  },
});
