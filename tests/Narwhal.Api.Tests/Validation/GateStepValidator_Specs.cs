using Narwhal.Api.Dtos;
using Narwhal.Api.Validation;
using Narwhal.Core.Persistence;
using NUnit.Framework;
using static Narwhal.Api.Tests.Support.JobRequests;

namespace Narwhal.Api.Tests.Validation;

/// <summary>A freestyle approval gate (<c>block</c>): stored canonical, given back as sent, and each bad field named.</summary>
[TestFixture]
public sealed class GateStepValidator_Specs
{
    private static readonly string[] Classes = ["small"];

    private static JobRequest WithSteps(params (string Key, JobStepDto Step)[] steps)
    {
        var map = new OrderedDictionary<string, JobStepDto>();
        foreach (var (key, step) in steps) map.Add(key, step);
        return Freestyle() with { Steps = map };
    }

    private static JobStepDto Gate => new()
    {
        Block = "Deploy?", Needs = [new StepNeedDto("build")], TimeoutSeconds = 3600,
        Fields = new OrderedDictionary<string, BlockFieldDto> { ["REGION"] = new() { Options = ["eu", "us"], Default = "eu" } },
    };

    [Test]
    public void When_a_gate_is_stored_Should_default_its_approvers_to_admins_and_give_it_back_unchanged()
    {
        var (spec, _) = JobRequestValidator.Validate("job", WithSteps(("build", new JobStepDto()), ("approve", Gate)), Classes);

        var gate = spec!.Steps![1].Block!;
        Assert.That((gate.Prompt, gate.TimeoutSeconds, gate.Approvers.Single()), Is.EqualTo(("Deploy?", (int?)3600, "scope:admin")));
        Assert.That(spec.Steps[1].Image, Is.Null);
        var back = JobStepDto.MapOf(spec.Steps)!;
        var (again, _) = JobRequestValidator.Validate("job", Freestyle() with { Steps = back }, Classes);
        Assert.That(Json.Serialize(again), Is.EqualTo(Json.Serialize(spec)));
    }

    [Test]
    public void When_a_gate_has_a_script_a_bad_default_or_approver_Should_name_each_field()
    {
        var bad = Gate with
        {
            Script = ["make deploy"],
            Approvers = ["scope:owner"],
            Fields = new OrderedDictionary<string, BlockFieldDto> { ["REGION"] = new() { Options = ["eu"], Default = "us" }, ["CI"] = new() },
        };

        var (spec, errors) = JobRequestValidator.Validate("job", WithSteps(("build", new JobStepDto()), ("approve", bad)), Classes);

        Assert.That(spec, Is.Null);
        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[]
        {
            "steps.approve.script", "steps.approve.approvers[0]", "steps.approve.fields.REGION.default", "steps.approve.fields.CI",
        }));
    }

    [Test]
    public void When_fields_come_without_block_Should_refuse_them()
    {
        var (_, errors) = JobRequestValidator.Validate("job", WithSteps(("deploy", new JobStepDto { Approvers = ["ops"] })), Classes);

        Assert.That(errors.ToDictionary().Keys, Does.Contain("steps.deploy.approvers"));
    }
}
