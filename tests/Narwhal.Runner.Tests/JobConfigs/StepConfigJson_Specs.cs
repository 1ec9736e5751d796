using Narwhal.Core.Persistence;
using Narwhal.Runner.JobConfigs;
using NUnit.Framework;
using static Narwhal.Runner.Tests.JobConfigs.JobConfigFiles;

namespace Narwhal.Runner.Tests.JobConfigs;

/// <summary>
/// A step's definition is stored as JSON (run_steps.definition) when the plan is recorded and read
/// back by the Runner that executes it: what comes back must be the step that was parsed, to the
/// order of its env and the readiness timeout of its services.
/// </summary>
[TestFixture]
public sealed class StepConfigJson_Specs
{
    private static StepConfig EveryKeyStep() => ParsePipeline(Yaml(
        "script: [make]",
        "env: { Z: top, A: top }",
        "retry: { onLost: 3 }",
        "steps:",
        "  build: { image: local/busybox:1 }",
        "  test:",
        "    needs: [build]",
        "    build: { dockerfile: ci/test.Dockerfile, context: ., args: { V: \"2\", B: x } }",
        "    script: [make test, make report]",
        "    env: { M: own, A: own }",
        "    services:",
        "      web: { image: local/busybox:1, command: httpd -f, ready: wget -q localhost, readyTimeout: 90s }",
        "      db: { build: { context: docker }, env: { P: \"1\" }, command: [db, --fast] }",
        "    timeout: 1h30m",
        "    resources: { cpus: 0.5, memory: 512m }",
        "    results: { junit: [\"reports/*.xml\"], artifacts: [dist/**] }",
        "    secrets: [TOKEN, KEY]",
        "    user: \"1000:1000\"",
        "    when: always",
        "    allowFailure: true",
        "    resourceClass: large",
        "    concurrencyGroup: tests",
        "    concurrency: 4")).Steps[1];

    [Test]
    public void When_a_step_is_stored_and_read_back_Should_be_the_same_step()
    {
        var step = EveryKeyStep();

        var json = Json.Serialize(step);
        var read = Json.Deserialize<StepConfig>(json);

        Assert.Multiple(() =>
        {
            Assert.That(read, Is.EqualTo(step).UsingPropertiesComparer(), json);
            Assert.That(Json.Serialize(read), Is.EqualTo(json), "stored again, the same document");
        });
    }

    [Test]
    public void When_a_step_is_read_back_Should_keep_orders_and_durations()
    {
        var read = Json.Deserialize<StepConfig>(Json.Serialize(EveryKeyStep()));

        var job = read.Job;
        Assert.Multiple(() =>
        {
            Assert.That(job.Env.Keys, Is.EqualTo(new[] { "Z", "A", "M" }), "env order is the order variables are set in");
            Assert.That(job.Build!.Args.Keys, Is.EqualTo(new[] { "V", "B" }));
            Assert.That(job.Services.Keys, Is.EqualTo(new[] { "web", "db" }));
            Assert.That(job.Services["web"].ReadyTimeout, Is.EqualTo(TimeSpan.FromSeconds(90)));
            Assert.That(job.Services["db"].ReadyTimeout, Is.EqualTo(ServiceConfig.DefaultReadyTimeout));
            Assert.That(job.Services["web"].Command, Is.EqualTo(new[] { "/bin/sh", "-c", "httpd -f" }));
            Assert.That(job.Timeout, Is.EqualTo(TimeSpan.FromMinutes(90)));
            Assert.That(job.Resources, Is.EqualTo(new ResourcesConfig { Cpus = 0.5, MemoryBytes = 512L * 1024 * 1024 }));
            Assert.That(job.Secrets, Is.EqualTo(new[] { "TOKEN", "KEY" }));
            Assert.That((read.When, read.RetryOnLost, read.Concurrency), Is.EqualTo((Narwhal.Core.Pipelines.StepWhen.Always, (int?)3, (int?)4)));
        });
    }
}
