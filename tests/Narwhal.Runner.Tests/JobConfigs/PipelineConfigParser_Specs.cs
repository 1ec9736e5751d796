using Narwhal.Core.Pipelines;
using Narwhal.Runner.JobConfigs;
using NUnit.Framework;
using static Narwhal.Runner.Tests.JobConfigs.JobConfigFiles;

namespace Narwhal.Runner.Tests.JobConfigs;

/// <summary>
/// Locks in what a file with <c>steps</c> becomes: the steps in file order with their needs, the
/// top-level defaults merged into each (env by variable, every other key whole), and a file without
/// steps read exactly as before.
/// </summary>
[TestFixture]
public sealed class PipelineConfigParser_Specs
{
    [Test]
    public void When_a_diamond_is_parsed_Should_keep_file_order_and_needs_in_order()
    {
        var pipeline = ParsePipeline(Yaml(
            "image: local/busybox:1",
            "script: [make]",
            "steps:",
            "  build: {}",
            "  test-a:",
            "    needs: [build]",
            "  test-b:",
            "    needs: build",
            "  package:",
            "    needs: [test-b, { step: test-a, artifacts: false }]"));

        Assert.Multiple(() =>
        {
            Assert.That(pipeline.FailFast, Is.False);
            Assert.That(pipeline.Steps.Select(step => step.Key), Is.EqualTo(new[] { "build", "test-a", "test-b", "package" }));
            Assert.That(pipeline.Steps[0].Needs, Is.Empty);
            Assert.That(pipeline.Steps[1].Needs, Is.EqualTo(new[] { new StepNeed("build", true) }));
            Assert.That(pipeline.Steps[2].Needs, Is.EqualTo(new[] { new StepNeed("build", true) }), "one key alone is a list of one");
            Assert.That(pipeline.Steps[3].Needs, Is.EqualTo(new[] { new StepNeed("test-b", true), new StepNeed("test-a", false) }));
            Assert.That(pipeline.Steps.Select(step => step.When), Is.All.EqualTo(StepWhen.Success));
            Assert.That(pipeline.Steps.Select(step => step.Job.Image), Is.All.EqualTo("local/busybox:1"));
        });
    }

    [Test]
    public void When_steps_leave_keys_out_Should_merge_env_by_variable_and_replace_other_keys_whole()
    {
        var pipeline = ParsePipeline(Yaml(
            "image: local/busybox:1",
            "script: [make]",
            "env: { A: top, B: top }",
            "services: { db: { image: local/busybox:1 } }",
            "timeout: 10m",
            "steps:",
            "  plain: {}",
            "  own:",
            "    script: [make test, make lint]",
            "    env: { C: own, B: own }",
            "    services: { cache: { image: local/busybox:1 } }",
            "    timeout: 2m"));

        var plain = pipeline.Steps[0].Job;
        var own = pipeline.Steps[1].Job;
        Assert.Multiple(() =>
        {
            Assert.That(plain.Script, Is.EqualTo(new[] { "make" }));
            Assert.That(plain.Env, Is.EqualTo(new Dictionary<string, string> { ["A"] = "top", ["B"] = "top" }));
            Assert.That(plain.Services.Keys, Is.EqualTo(new[] { "db" }));
            Assert.That(plain.Timeout, Is.EqualTo(TimeSpan.FromMinutes(10)));

            Assert.That(own.Script, Is.EqualTo(new[] { "make test", "make lint" }), "replaced, not appended");
            Assert.That(own.Env.ToList(), Is.EqualTo(new[]
            {
                KeyValuePair.Create("A", "top"), KeyValuePair.Create("B", "own"), KeyValuePair.Create("C", "own"),
            }), "the top level's order with the step's values, then the step's own");
            Assert.That(own.Services.Keys, Is.EqualTo(new[] { "cache" }), "replaced, not added to");
            Assert.That(own.Timeout, Is.EqualTo(TimeSpan.FromMinutes(2)));
        });
    }

    [Test]
    public void When_steps_set_their_graph_and_fleet_keys_Should_type_them_and_take_the_top_level_defaults()
    {
        var pipeline = ParsePipeline(Yaml(
            "image: local/busybox:1",
            "script: [make]",
            "failFast: true",
            "resourceClass: small",
            "retry: { onLost: 1 }",
            "steps:",
            "  build: {}",
            "  deploy:",
            "    needs: [build]",
            "    resourceClass: large",
            "    concurrencyGroup: deploy-prod",
            "    concurrency: 2",
            "    retry: { onLost: 0 }",
            "  notify:",
            "    needs: [deploy]",
            "    when: failure",
            "    allowFailure: true",
            "    concurrencyGroup: mail"));

        var (build, deploy, notify) = (pipeline.Steps[0], pipeline.Steps[1], pipeline.Steps[2]);
        Assert.Multiple(() =>
        {
            Assert.That(pipeline.FailFast, Is.True);
            Assert.That((build.ResourceClass, build.RetryOnLost, build.AllowFailure), Is.EqualTo(("small", (int?)1, false)));
            Assert.That((build.ConcurrencyGroup, build.Concurrency), Is.EqualTo(((string?)null, (int?)null)));
            Assert.That((deploy.ResourceClass, deploy.RetryOnLost), Is.EqualTo(("large", (int?)0)), "the step's own beat the defaults");
            Assert.That((deploy.ConcurrencyGroup, deploy.Concurrency), Is.EqualTo(("deploy-prod", (int?)2)));
            Assert.That((notify.When, notify.AllowFailure), Is.EqualTo((StepWhen.Failure, true)));
            Assert.That((notify.ConcurrencyGroup, notify.Concurrency), Is.EqualTo(("mail", (int?)1)), "a group's limit defaults to 1");
        });
    }

    [Test]
    public void When_no_default_is_given_Should_leave_resource_class_and_retry_to_the_job()
    {
        var step = ParsePipeline(Yaml("steps:", "  only: { image: local/busybox:1, script: make }")).Steps.Single();

        Assert.That((step.ResourceClass, step.RetryOnLost, step.When), Is.EqualTo(((string?)null, (int?)null, StepWhen.Success)));
    }

    [Test]
    public void When_one_step_builds_and_another_uses_an_image_Should_give_each_its_own()
    {
        var pipeline = ParsePipeline(Yaml(
            "script: [make]",
            "steps:",
            "  a: { image: local/busybox:1 }",
            "  b: { build: { context: docker } }"));

        Assert.Multiple(() =>
        {
            Assert.That((pipeline.Steps[0].Job.Image, pipeline.Steps[0].Job.Build), Is.EqualTo(("local/busybox:1", (BuildConfig?)null)));
            Assert.That(pipeline.Steps[1].Job.Image, Is.Null);
            Assert.That(pipeline.Steps[1].Job.Build!.Dockerfile, Is.EqualTo("docker/Dockerfile"));
        });
    }

    [Test]
    public void When_the_docs_pipeline_example_is_parsed_Should_give_what_its_comments_say()
    {
        var pipeline = ParsePipeline(DocsExample("## Pipelines: steps"));

        var steps = pipeline.Steps.ToDictionary(step => step.Key);
        Assert.Multiple(() =>
        {
            Assert.That(pipeline.FailFast, Is.True);
            Assert.That(steps.Keys, Is.EqualTo(new[] { "build", "unit-tests", "integration-tests", "package", "clean-up" }));
            Assert.That(steps["unit-tests"].Needs, Is.EqualTo(new[] { new StepNeed("build", true) }));
            Assert.That(steps["integration-tests"].Job.Env, Is.EqualTo(new Dictionary<string, string> { ["APP_ENV"] = "ci", ["VERBOSE"] = "2" }));
            Assert.That(steps["integration-tests"].ResourceClass, Is.EqualTo("large"));
            Assert.That(steps["integration-tests"].RetryOnLost, Is.EqualTo(2));
            Assert.That(steps["package"].Needs, Is.EqualTo(new[]
            {
                new StepNeed("build", true), new StepNeed("unit-tests", true), new StepNeed("integration-tests", false),
            }));
            Assert.That((steps["package"].ConcurrencyGroup, steps["package"].Concurrency), Is.EqualTo(("packaging", (int?)1)));
            Assert.That((steps["clean-up"].When, steps["clean-up"].AllowFailure), Is.EqualTo((StepWhen.Always, true)));
            Assert.That(steps.Values.Select(step => step.Job.Timeout), Is.All.EqualTo(TimeSpan.FromMinutes(30)));
            Assert.That(steps.Values.Select(step => step.Job.Image), Is.All.EqualTo("local/busybox:1"));
        });
    }

    [Test]
    public void When_a_file_without_steps_is_parsed_as_any_file_Should_give_exactly_what_Parse_gives()
    {
        var example = DocsExample();

        var file = JobConfigParser.ParseFile(example, FileName);

        Assert.Multiple(() =>
        {
            Assert.That(file.Pipeline, Is.Null);
            Assert.That(file.Single, Is.EqualTo(Parse(example)).UsingPropertiesComparer());
        });
    }
}
