using Narwhal.Core.Persistence;
using Narwhal.Core.Pipelines;
using NUnit.Framework;
using static Narwhal.Runner.Tests.JobConfigs.JobConfigFiles;

namespace Narwhal.Runner.Tests.JobConfigs;

/// <summary>
/// Approval gates in a job config file (<c>block:</c> steps): what they record, and each refusal at the line and column
/// of the key or value it is about.
/// </summary>
[TestFixture]
public sealed class BlockStepConfig_Specs
{
    /// <summary>Defaults on lines 1-2, <c>steps:</c> on line 3, a build step on line 4, the steps given from line 5.</summary>
    private static string Pipeline(params string[] steps) => Minimal(["steps:", "  build: {}", .. steps]);

    [Test]
    public void When_the_docs_example_is_parsed_Should_record_the_gate_with_its_fields_approvers_and_timeout()
    {
        var pipeline = ParsePipeline(DocsExample("## Approval gates"));

        var gate = pipeline.Steps.Single(s => s.Block is not null);
        Assert.That(gate.Block!.Prompt, Is.EqualTo("Deploy to production?"));
        Assert.That(gate.Block.Fields.Select(f => f.Name), Is.EqualTo(new[] { "VERSION", "REGION" }));
        Assert.That(gate.Block.Fields[0].Required, Is.True);
        Assert.That(gate.Block.Fields[1].Options, Is.EqualTo(new[] { "eu", "us" }));
        Assert.That(gate.Block.Fields[1].Default, Is.EqualTo("eu"));
        Assert.That(gate.Block.Approvers, Is.EqualTo(new[] { "scope:admin", "release-bot" }));
        Assert.That(gate.Block.TimeoutSeconds, Is.EqualTo(24 * 3600));
        Assert.That(gate.Job.Script, Is.Empty, "a gate runs nothing");
        Assert.That(gate.Job.Image, Is.Null, "the top-level image is not a gate's");
        Assert.That(pipeline.Steps.Where(s => s.Block is null).Select(s => s.Job.Timeout), Has.None.EqualTo(TimeSpan.FromHours(24)),
            "a gate's timeout is its own");
    }

    [Test]
    public void When_a_gate_gives_only_its_prompt_Should_let_admins_decide_and_wait_without_limit()
    {
        var gate = ParsePipeline(Pipeline("  approve: { needs: [build], block: Ship it? }")).Steps[1];

        Assert.That(gate.Block!.Prompt, Is.EqualTo("Ship it?"));
        Assert.That(gate.Block.Fields, Is.Empty);
        Assert.That(gate.Block.Approvers, Is.EqualTo(new[] { "scope:admin" }));
        Assert.That(gate.Block.TimeoutSeconds, Is.Null);
    }

    [Test]
    public void When_a_gate_is_recorded_Should_round_trip_through_json()
    {
        var gate = ParsePipeline(DocsExample("## Approval gates")).Steps.Single(s => s.Block is not null).Block!;

        var back = Json.Deserialize<BlockSpec>(Json.Serialize(gate));

        Assert.That(Json.Serialize(back), Is.EqualTo(Json.Serialize(gate)));
    }

    [Test]
    public void When_a_gate_has_a_script_Should_point_at_it()
    {
        AssertFileRefused(Pipeline("  approve:", "    block: Deploy?", "    script: make deploy"), 7, 5,
            "step 'approve' is an approval gate ('block'): it runs nothing, so 'script' has no place in it");
    }

    [Test]
    public void When_a_gate_has_an_image_Should_point_at_it()
    {
        AssertFileRefused(Pipeline("  approve: { image: alpine, block: Deploy? }"), 5, 14, "'image' has no place in it");
    }

    [Test]
    public void When_fields_are_given_without_block_Should_point_at_them()
    {
        AssertFileRefused(Pipeline("  deploy:", "    fields: { VERSION: {} }"), 6, 5, "step 'deploy' sets 'fields' without 'block'");
    }

    [Test]
    public void When_a_field_name_is_reserved_Should_point_at_it()
    {
        AssertFileRefused(Pipeline("  approve:", "    block: Deploy?", "    fields:", "      NARWHAL_X: {}"), 8, 7, "'NARWHAL_X' is reserved");
    }

    [Test]
    public void When_a_default_is_not_among_the_options_Should_point_at_the_default()
    {
        AssertFileRefused(Pipeline("  approve:", "    block: Deploy?", "    fields:", "      REGION: { options: [eu, us], default: asia }"), 8, 45,
            "the default 'asia' of field 'REGION' is not one of its options (eu, us)");
    }

    [Test]
    public void When_an_approver_names_an_unknown_scope_Should_point_at_it()
    {
        AssertFileRefused(Pipeline("  approve:", "    block: Deploy?", "    approvers: [release-bot, scope:owner]"), 7, 30,
            "'scope:owner' is not a scope");
    }

    [Test]
    public void When_the_prompt_is_blank_Should_point_at_it()
    {
        AssertFileRefused(Pipeline("  approve: { block: \" \" }"), 5, 21, "the prompt is empty");
    }

    [Test]
    public void When_block_is_written_at_the_top_Should_say_it_belongs_in_a_step()
    {
        AssertFileRefused(Minimal("block: Deploy?", "steps: { build: {} }"), 3, 1, "'block' is a key of a step");
    }
}
