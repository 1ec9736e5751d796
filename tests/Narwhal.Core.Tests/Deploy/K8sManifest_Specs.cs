using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Narwhal.Dispatcher.Autoscale;
using Narwhal.Dispatcher.Fleet;
using Narwhal.Runner;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Deploy;

/// <summary>
/// The Kubernetes manifests in deploy/k8s, read as YAML and checked against each other and against
/// the code: settings are parsed by the processes' own settings readers, so a manifest the Runner
/// or Dispatcher would refuse at start fails here first.
/// </summary>
[TestFixture]
public sealed partial class K8sManifest_Specs
{
    // Applying it would overwrite the real Secret with placeholders: kept out of the kustomization.
    private const string SecretTemplate = "secret.example.yaml";

    private IReadOnlyList<K8sDocument> _documents = null!;

    [OneTimeSetUp]
    public void Load() => _documents = K8sManifests.All();

    private IEnumerable<K8sDocument> OfKind(string kind) => _documents.Where(d => d.Kind == kind);

    private IEnumerable<K8sDocument> RunnerDeployments() =>
        OfKind("Deployment").Where(d => Containers(d).Any(c => Image(c) == "narwhal-runner"));

    [Test]
    public void Every_document_Should_have_apiVersion_kind_and_a_name()
    {
        Assert.That(_documents, Is.Not.Empty);
        foreach (var doc in _documents)
        {
            Assert.That(doc.Root.Str("apiVersion"), Is.Not.Null.And.Not.Empty, $"{doc}: apiVersion");
            Assert.That(doc.Kind, Is.Not.Empty, $"{doc.File}: kind");
            Assert.That(doc.Name, Is.Not.Empty, $"{doc.File}: metadata.name");
        }
        Assert.That(_documents.Select(d => $"{d.Kind}/{d.Name}"), Is.Unique);
    }

    [Test]
    public void Every_Deployment_container_Should_have_resource_limits_and_probes()
    {
        Assert.That(OfKind("Deployment").Select(d => d.Name),
            Is.SupersetOf(new[] { "narwhal-api", "narwhal-dispatcher", "narwhal-runner-small", "narwhal-runner-large" }));
        foreach (var deployment in OfKind("Deployment"))
        {
            foreach (var container in Containers(deployment))
            {
                var what = $"{deployment} container {container.Str("name")}";
                var limits = container.At("resources.limits");
                Assert.That(limits?.Str("cpu"), Is.Not.Null, $"{what}: resources.limits.cpu");
                Assert.That(limits?.Str("memory"), Is.Not.Null, $"{what}: resources.limits.memory");
                Assert.That(container.Map("resources")?.Map("requests"), Is.Not.Null, $"{what}: resources.requests");
                Assert.That(container.Map("livenessProbe"), Is.Not.Null, $"{what}: livenessProbe");
                Assert.That(container.Map("readinessProbe") ?? container.Map("startupProbe"), Is.Not.Null, $"{what}: readiness or startup probe");
                if (Image(container).StartsWith("narwhal-"))
                {
                    Assert.That(container.At("livenessProbe.httpGet")?.Str("path"), Is.EqualTo("/health/live"), $"{what}: liveness on /health/live");
                    Assert.That(container.At("readinessProbe.httpGet")?.Str("path"), Is.EqualTo("/health/ready"), $"{what}: readiness on /health/ready");
                }
            }
        }
    }

    [Test]
    public void Every_Narwhal_pod_Should_carry_Prometheus_scrape_annotations_for_its_own_port()
    {
        foreach (var deployment in OfKind("Deployment"))
        {
            var annotations = deployment.Root.At("spec.template.metadata.annotations");
            var narwhal = Containers(deployment).Single(c => Image(c).StartsWith("narwhal-"));
            var port = narwhal.Maps("ports").Single().TryGetValue("containerPort", out var p) ? p as string : null;
            Assert.That(annotations?.Str("prometheus.io/scrape"), Is.EqualTo("true"), $"{deployment}");
            Assert.That(annotations?.Str("prometheus.io/path"), Is.EqualTo("/metrics"), $"{deployment}");
            Assert.That(annotations?.Str("prometheus.io/port"), Is.EqualTo(port), $"{deployment}: the container's port");
        }
    }

    [Test]
    public void Runner_Deployments_Should_give_a_stopping_Runner_more_time_than_its_drain_and_have_a_preStop()
    {
        var defaults = RunnerSettings.From(new ConfigurationBuilder().Build());
        Assert.That(RunnerDeployments().ToList(), Has.Count.GreaterThanOrEqualTo(2));
        foreach (var deployment in RunnerDeployments())
        {
            var settings = RunnerSettings.From(RunnerConfiguration(deployment));
            var runner = Containers(deployment).Single(c => Image(c) == "narwhal-runner");
            var preStop = runner.At("lifecycle.preStop");
            var pod = deployment.Root.At("spec.template.spec")!;
            var grace = double.Parse(pod.Str("terminationGracePeriodSeconds") ?? "30", CultureInfo.InvariantCulture);
            // The Runner's host waits ShutdownGrace + StopGrace + 30 s (RunnerServiceExtensions);
            // the preStop runs before SIGTERM, inside the same budget.
            var needed = settings.ShutdownGrace + settings.StopGrace + TimeSpan.FromSeconds(30) + PreStopSleep(preStop);

            Assert.That(preStop, Is.Not.Null, $"{deployment}: lifecycle.preStop");
            Assert.That(grace, Is.GreaterThan(needed.TotalSeconds), $"{deployment}: terminationGracePeriodSeconds vs drain");
            Assert.That(grace, Is.GreaterThan(defaults.ShutdownGrace.TotalSeconds), $"{deployment}: vs the default grace");
        }
    }

    [Test]
    public void Every_Runner_Deployment_Should_have_exactly_one_ScaledObject_on_its_class_queue_within_NARWHAL_AUTOSCALE()
    {
        var config = ConfigMapConfiguration();
        var autoscale = AutoscaleSettings.From(config);
        FleetSettings.From(config);   // throws when the offline timeout is under 5 heartbeats
        var scaledObjects = OfKind("ScaledObject").ToList();
        var triggerAuths = OfKind("TriggerAuthentication").Select(d => d.Name).ToHashSet();

        foreach (var deployment in RunnerDeployments())
        {
            var settings = RunnerSettings.From(RunnerConfiguration(deployment));
            Assert.That(settings.ResourceClasses, Has.Count.EqualTo(1), $"{deployment}: one class per Runner Deployment");
            var resourceClass = settings.ResourceClasses[0];
            Assert.That(autoscale.Classes, Does.Contain(resourceClass), $"{deployment}: class in NARWHAL_RESOURCE_CLASSES");
            var scaling = autoscale.ByClass[resourceClass];

            var targeting = scaledObjects.Where(s => s.Root.At("spec.scaleTargetRef")?.Str("name") == deployment.Name).ToList();
            Assert.That(targeting, Has.Count.EqualTo(1), $"{deployment}: ScaledObjects targeting it");
            var spec = targeting[0].Root.Map("spec")!;
            var rabbit = spec.Maps("triggers").Where(t => t.Str("type") == "rabbitmq").ToList();
            Assert.That(rabbit, Has.Count.EqualTo(1), $"{targeting[0]}: one rabbitmq trigger");
            var metadata = rabbit[0].Map("metadata")!;

            Assert.Multiple(() =>
            {
                Assert.That(metadata.Str("queueName"), Is.EqualTo("narwhal.runs." + resourceClass));
                Assert.That(metadata.Str("mode"), Is.EqualTo("QueueLength"));
                Assert.That(metadata.Str("value"), Is.EqualTo(settings.Slots.ToString(CultureInfo.InvariantCulture)), "value = slots per Runner");
                Assert.That(rabbit[0].Map("authenticationRef")?.Str("name"), Is.AnyOf(triggerAuths.ToArray()), "an existing TriggerAuthentication");
                Assert.That(spec.Str("minReplicaCount"), Is.EqualTo(scaling.Min.ToString(CultureInfo.InvariantCulture)), "min = NARWHAL_AUTOSCALE");
                Assert.That(spec.Str("maxReplicaCount"), Is.EqualTo(scaling.Max.ToString(CultureInfo.InvariantCulture)), "max = NARWHAL_AUTOSCALE");
                Assert.That(scaling.SlotsPerRunner, Is.EqualTo(settings.Slots), "NARWHAL_AUTOSCALE_SLOTS = NARWHAL_RUNNER_SLOTS");
                Assert.That(spec.At("advanced.horizontalPodAutoscalerConfig.behavior.scaleDown"), Is.Not.Null, "a scale-down behaviour");
                foreach (var other in spec.Maps("triggers").Where(t => t.Str("type") == "metrics-api"))
                    Assert.That(other.Map("metadata")?.Str("valueLocation"), Does.Contain($"\"{resourceClass}\""), "metrics-api reads its own class");
            });

            // Every slot must fit the quota, or the Runner could never fill them.
            var cost = settings.ClassCosts.Of(resourceClass);
            Assert.That(settings.QuotaCpu, Is.GreaterThanOrEqualTo(cost.Cpu * settings.Slots), $"{deployment}: CPU quota for all slots");
            Assert.That(settings.QuotaMemoryMb, Is.GreaterThanOrEqualTo(cost.MemoryMb * settings.Slots), $"{deployment}: memory quota for all slots");
        }
        Assert.That(scaledObjects.Select(s => s.Root.At("spec.scaleTargetRef")?.Str("name")),
            Is.SubsetOf(RunnerDeployments().Select(d => d.Name)), "every ScaledObject targets a Runner Deployment");
    }

    [Test]
    public void Every_metrics_api_trigger_Should_find_its_class_desired_count_in_the_Dispatchers_autoscale_answer()
    {
        // GET /autoscale as the Dispatcher serialises it (ASP.NET's web JSON defaults), two classes.
        var report = new AutoscaleReport([Class("small", desired: 3), Class("large", desired: 7)]);
        using var json = JsonDocument.Parse(JsonSerializer.Serialize(report, JsonSerializerOptions.Web));
        var triggers = OfKind("ScaledObject")
            .SelectMany(s => s.Root.Map("spec")!.Maps("triggers").Where(t => t.Str("type") == "metrics-api").Select(t => (s, t.Map("metadata")!)))
            .ToList();

        Assert.That(triggers, Is.Not.Empty);
        foreach (var (scaledObject, metadata) in triggers)
        {
            Assert.That(metadata.Str("url"), Does.EndWith(":8081/autoscale"), $"{scaledObject}: the Dispatcher's /autoscale");
            Assert.That(metadata.Str("targetValue"), Is.EqualTo("1"), $"{scaledObject}: one Runner per desired unit");
            // The one GJSON form used here: list.#(field=="value").field
            var path = GjsonQuery().Match(metadata.Str("valueLocation") ?? "");
            Assert.That(path.Success, $"{scaledObject}: valueLocation '{metadata.Str("valueLocation")}'");
            var match = json.RootElement.GetProperty(path.Groups[1].Value).EnumerateArray()
                .Single(e => e.GetProperty(path.Groups[2].Value).GetString() == path.Groups[3].Value);
            var expected = path.Groups[3].Value == "small" ? 3 : 7;
            Assert.That(match.GetProperty(path.Groups[4].Value).GetInt32(), Is.EqualTo(expected), $"{scaledObject}: desired of its class");
        }

        static ClassAutoscale Class(string name, int desired) => new()
        {
            Class = name, Ready = 0, Unacked = 0, Running = 0, SlotsPerRunner = 1, Min = 0, Max = 10, Desired = desired,
            Runners = new RunnerCounts(0, 0, 0, 0), Drainable = [],
        };
    }

    [Test]
    public void Every_setting_name_in_the_manifests_Should_exist_in_env_example()
    {
        var known = EnvExample.Keys();
        var used = new List<(string Name, string Where)>();
        foreach (var doc in _documents)
        {
            if (doc.Kind is "ConfigMap" or "Secret")
                foreach (var key in (doc.Root.Map("data") ?? doc.Root.Map("stringData") ?? []).Keys.OfType<string>())
                    used.Add((key, doc.ToString()));
            if (doc.Kind == "Deployment")
                foreach (var container in Containers(doc))
                    foreach (var env in container.Maps("env"))
                    {
                        used.Add((env.Str("name")!, $"{doc} {container.Str("name")}"));
                        if (env.At("valueFrom.secretKeyRef")?.Str("key") is { } secretKey) used.Add((secretKey, $"{doc} secretKeyRef"));
                    }
            if (doc.Kind == "TriggerAuthentication")
                foreach (var target in doc.Root.Map("spec")!.Maps("secretTargetRef"))
                    used.Add((target.Str("key")!, doc.ToString()));
        }

        Assert.That(used, Is.Not.Empty);
        Assert.That(used.Where(u => !known.Contains(u.Name)).Select(u => $"{u.Name} ({u.Where})"), Is.Empty, "names missing from .env.example");
    }

    [Test]
    public void Every_secret_key_referenced_Should_be_in_the_Secret_template()
    {
        var template = K8sManifests.Load(SecretTemplate).Single(d => d.Kind == "Secret");
        var keys = template.Root.Map("stringData")!.Keys.OfType<string>().ToHashSet();
        var referenced = _documents.Where(d => d.Kind == "Deployment").SelectMany(Containers)
            .SelectMany(c => c.Maps("env")).Select(e => e.At("valueFrom.secretKeyRef"))
            .OfType<Dictionary<object, object>>().Select(r => (r.Str("name"), r.Str("key")))
            .Concat(OfKind("TriggerAuthentication").SelectMany(t => t.Root.Map("spec")!.Maps("secretTargetRef")).Select(r => (r.Str("name"), r.Str("key"))))
            .ToList();

        Assert.That(referenced, Is.Not.Empty);
        Assert.That(referenced.Select(r => r.Item1).Distinct(), Is.EqualTo(new[] { template.Name }));
        Assert.That(referenced.Select(r => r.Item2).Distinct(), Is.SubsetOf(keys));
    }

    [Test]
    public void Kustomization_Should_list_every_manifest_but_the_Secret_template()
    {
        var kustomization = K8sManifests.Load("kustomization.yaml").Single();
        var listed = kustomization.Root.List("resources").OfType<string>().ToList();
        var expected = K8sManifests.Files().Where(f => f is not "kustomization.yaml" and not SecretTemplate);

        Assert.That(listed, Is.Unique);
        Assert.That(listed, Is.EquivalentTo(expected));
        Assert.That(listed, Does.Not.Contain(SecretTemplate), "applying the template would overwrite the real Secret");
        var images = _documents.Where(d => d.Kind == "Deployment").SelectMany(Containers).Select(Image).Where(i => i.StartsWith("narwhal-")).ToHashSet();
        Assert.That(kustomization.Root.Maps("images").Select(i => i.Str("name")), Is.EquivalentTo(images), "every Narwhal image has a name/tag entry");
    }

    // Main containers and native sidecars (init containers that keep running); both need limits and probes.
    private static IEnumerable<Dictionary<object, object>> Containers(K8sDocument deployment)
    {
        var pod = deployment.Root.At("spec.template.spec");
        if (pod is null) return [];
        return pod.Maps("containers").Concat(pod.Maps("initContainers").Where(c => c.Str("restartPolicy") == "Always"));
    }

    private static string Image(Dictionary<object, object> container) => container.Str("image") ?? "";

    private IConfiguration ConfigMapConfiguration() => new ConfigurationBuilder()
        .AddInMemoryCollection(ConfigMapData().Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value)))
        .Build();

    private Dictionary<string, string> ConfigMapData() =>
        OfKind("ConfigMap").Single(d => d.Name == "narwhal-config").Root.Map("data")!
            .ToDictionary(kv => (string)kv.Key, kv => (string)kv.Value);

    /// <summary>What a Runner container sees: the ConfigMap, then its literal env values (valueFrom ones are left out).</summary>
    private IConfiguration RunnerConfiguration(K8sDocument deployment)
    {
        var values = ConfigMapData();
        foreach (var env in Containers(deployment).Single(c => Image(c) == "narwhal-runner").Maps("env"))
            if (env.Str("value") is { } value) values[env.Str("name")!] = value;
        return new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value)))
            .Build();
    }

    private static TimeSpan PreStopSleep(Dictionary<object, object>? preStop)
    {
        if (preStop?.At("sleep")?.Str("seconds") is { } seconds) return TimeSpan.FromSeconds(double.Parse(seconds, CultureInfo.InvariantCulture));
        var command = preStop?.At("exec")?.List("command").OfType<string>().ToList() ?? [];
        return command is ["sleep", var s] ? TimeSpan.FromSeconds(double.Parse(s, CultureInfo.InvariantCulture)) : TimeSpan.Zero;
    }

    [GeneratedRegex("""^(\w+)\.#\((\w+)=="([^"]+)"\)\.(\w+)$""")]
    private static partial Regex GjsonQuery();
}
