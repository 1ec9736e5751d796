using Narwhal.Api.Dtos;
using Narwhal.Api.Validation;
using Narwhal.Core.Pipelines;
using NUnit.Framework;
using static Narwhal.Api.Tests.Support.JobRequests;

namespace Narwhal.Api.Tests.Validation;

/// <summary>A freestyle pipeline's steps become canonical: two bodies meaning the same pipeline store the same spec.</summary>
[TestFixture]
public sealed class JobStepsValidator_Specs
{
    private static readonly string[] Classes = ["small", "large"];

    private static Narwhal.Core.Jobs.JobSpec SpecOf(JobRequest request)
    {
        var (spec, errors) = JobRequestValidator.Validate("job", request, Classes);
        Assert.That(spec, Is.Not.Null, string.Join("; ", errors.ToDictionary().Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        return spec!;
    }

    private static JobRequest WithSteps(params (string Key, JobStepDto Step)[] steps)
    {
        var map = new OrderedDictionary<string, JobStepDto>();
        foreach (var (key, step) in steps) map.Add(key, step);
        return Freestyle() with { Steps = map };
    }

    [Test]
    public void When_defaults_are_left_out_or_written_Should_store_the_same_steps()
    {
        var implicitly = SpecOf(WithSteps(("deploy", new JobStepDto { ConcurrencyGroup = "prod", Env = [] })) with { Env = [] });
        var explicitly = SpecOf(WithSteps(("deploy", new JobStepDto
        {
            ConcurrencyGroup = "prod", Concurrency = 1, When = StepWhen.Success, AllowFailure = false, Needs = [],
        })));

        Assert.That(Narwhal.Core.Persistence.Json.Serialize(implicitly), Is.EqualTo(Narwhal.Core.Persistence.Json.Serialize(explicitly)));
        Assert.That(implicitly.Env, Is.Null);
        Assert.That(implicitly.Steps![0].Env, Is.Null);
        Assert.That(implicitly.Steps[0].Concurrency, Is.EqualTo(1));
    }

    [Test]
    public void When_a_step_turns_retry_off_Should_keep_it_as_it_overrides_the_jobs_retry()
    {
        var spec = SpecOf(WithSteps(("deploy", new JobStepDto { Retry = new RetryRequest { OnLost = 0 } })) with { Retry = new RetryRequest { OnLost = 2 } });

        Assert.That(spec.Steps![0].Retry?.OnLost, Is.Zero);
        Assert.That(spec.Retry?.OnLost, Is.EqualTo(2));
    }

    [Test]
    public void When_every_step_names_its_own_image_and_script_Should_need_none_at_the_top()
    {
        var spec = SpecOf(WithSteps(("a", new JobStepDto { Image = "alpine:3", Script = ["true"] })) with { Image = null, Script = null, FailFast = true });

        Assert.That(spec.Image, Is.Null);
        Assert.That(spec.FailFast, Is.True);
        Assert.That(spec.Steps!.Single().Image, Is.EqualTo("alpine:3"));
    }

    [Test]
    public void When_a_need_opts_out_of_artifacts_Should_keep_it_and_the_order_of_needs()
    {
        var spec = SpecOf(WithSteps(("a", new JobStepDto()), ("b", new JobStepDto()),
            ("c", new JobStepDto { Needs = [new StepNeedDto("b", Artifacts: false), new StepNeedDto("a")] })));

        Assert.That(spec.Steps!.Select(s => s.Key), Is.EqualTo(new[] { "a", "b", "c" }));
        Assert.That(spec.Steps![2].Needs.Select(n => (n.Step, n.Artifacts)), Is.EqualTo(new[] { ("b", false), ("a", true) }));
    }

    [Test]
    public void When_a_pipeline_has_more_steps_than_allowed_Should_say_so_once()
    {
        var steps = Enumerable.Range(0, PipelineLimits.MaxSteps + 1).Select(i => ($"s{i}", new JobStepDto { Image = "nope nope" })).ToArray();

        var errors = JobRequestValidator.Validate("job", WithSteps(steps), Classes).Errors.ToDictionary();

        Assert.That(errors.Keys, Is.EqualTo(new[] { "steps" }));
    }

    [Test]
    public void When_a_job_without_steps_sets_fail_fast_Should_name_it()
    {
        var errors = JobRequestValidator.Validate("job", Freestyle() with { FailFast = true }, Classes).Errors.ToDictionary();

        Assert.That(errors.Keys, Is.EqualTo(new[] { "failFast" }));
    }

    [Test]
    public void When_a_step_names_the_jobs_own_concurrency_group_Should_name_it_as_it_would_wait_for_its_own_run()
    {
        var request = WithSteps(("deploy", new JobStepDto { ConcurrencyGroup = "prod" })) with { MaxConcurrent = 1, ConcurrencyGroup = "prod" };

        var errors = JobRequestValidator.Validate("job", request, Classes).Errors.ToDictionary();

        Assert.That(errors.Keys, Is.EqualTo(new[] { "steps.deploy.concurrencyGroup" }));
    }
}
