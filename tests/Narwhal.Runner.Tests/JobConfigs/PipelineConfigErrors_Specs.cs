using NUnit.Framework;
using static Narwhal.Runner.Tests.JobConfigs.JobConfigFiles;

namespace Narwhal.Runner.Tests.JobConfigs;

/// <summary>
/// Locks in the refusals of files with <c>steps</c>: each at the exact line and column of the step,
/// need or value it is about, worded as docs/job-config.md and the shared step graph rules word them.
/// </summary>
[TestFixture]
public sealed class PipelineConfigErrors_Specs
{
    /// <summary>A pipeline with image and script defaults on lines 1-2, <c>steps:</c> on line 3, the steps given from line 4.</summary>
    private static string Pipeline(params string[] steps) => Minimal(["steps:", .. steps]);

    [Test]
    public void When_a_step_has_an_unknown_key_Should_point_at_it_with_a_hint()
    {
        AssertFileRefused(Pipeline("  build:", "    allow_failure: true"), 5, 5,
            "unknown key 'allow_failure'", "did you mean 'allowFailure'?", "needs, when, allowFailure");
    }

    [Test]
    public void When_a_step_needs_an_unknown_step_Should_point_at_the_need()
    {
        AssertFileRefused(Pipeline("  build: {}", "  test:", "    needs: [build, lint]"), 6, 20,
            "step 'test' needs 'lint', which is not a step of this pipeline");
    }

    [Test]
    public void When_a_need_written_as_a_mapping_is_unknown_Should_point_at_its_step()
    {
        AssertFileRefused(Pipeline("  test:", "    needs:", "      - { step: lint, artifacts: false }"), 6, 17, "'lint'");
    }

    [Test]
    public void When_a_step_needs_itself_Should_point_at_the_need()
    {
        AssertFileRefused(Pipeline("  test: { needs: [test] }"), 4, 19, "step 'test' needs itself");
    }

    [Test]
    public void When_steps_form_a_cycle_Should_name_it_in_order_at_the_first_step_of_it()
    {
        AssertFileRefused(Pipeline("  lint: {}", "  c: { needs: [b] }", "  a: { needs: [c] }", "  b: { needs: [a] }"), 5, 3,
            "steps form a cycle: c → a → b → c");
    }

    [Test]
    public void When_a_step_key_breaks_the_rule_Should_point_at_the_key()
    {
        AssertFileRefused(Pipeline("  build: {}", "  \"unit tests\": {}"), 5, 3, "'unit tests' is not a valid step key", "at most 63 characters");
    }

    [Test]
    public void When_when_is_not_a_known_value_Should_list_the_values()
    {
        AssertFileRefused(Pipeline("  build: {}", "  report:", "    needs: [build]", "    when: sometimes"), 7, 11,
            "'when' must be one of success, failure, always", "'sometimes'");
    }

    [Test]
    public void When_a_failure_step_needs_nothing_Should_point_at_the_step()
    {
        AssertFileRefused(Pipeline("  report: { when: failure }"), 4, 3, "step 'report' runs 'when: failure' but needs no step");
    }

    [Test]
    public void When_concurrency_is_set_without_a_group_Should_point_at_concurrency()
    {
        AssertFileRefused(Pipeline("  deploy:", "    concurrency: 2"), 5, 5, "'concurrency' without 'concurrencyGroup'");
    }

    [TestCase("0")]
    [TestCase("1001")]
    [TestCase("two")]
    public void When_concurrency_is_not_from_1_to_1000_Should_show_the_value(string written)
    {
        AssertFileRefused(Pipeline("  deploy:", "    concurrencyGroup: prod", $"    concurrency: {written}"), 6, 18,
            "'concurrency' must be a whole number from 1 to 1000", $"'{written}'");
    }

    [Test]
    public void When_a_step_builds_while_the_top_level_sets_an_image_Should_point_at_the_steps_build()
    {
        AssertFileRefused(Pipeline("  build: {}", "  app:", "    build: { context: docker }"), 6, 5,
            "step 'app' sets 'build' and the top level sets 'image'");
    }

    [Test]
    public void When_a_step_sets_both_image_and_build_Should_point_at_the_second()
    {
        AssertFileRefused(Yaml("script: [make]", "steps:", "  app: { build: {}, image: x }"), 3, 21, "step 'app' sets both 'image' and 'build'");
    }

    [Test]
    public void When_the_top_level_sets_both_image_and_build_Should_point_at_the_second()
    {
        AssertFileRefused(Yaml("image: x", "build: {}", "script: [make]", "steps:", "  a: {}"), 2, 1, "both 'image' and 'build'");
    }

    [Test]
    public void When_a_step_has_no_script_nor_a_default_Should_point_at_the_step()
    {
        AssertFileRefused(Yaml("image: x", "steps:", "  build: { script: make }", "  test: { env: { A: 1 } }"), 4, 3,
            "step 'test' needs 'script'", "or as a top-level default");
    }

    [Test]
    public void When_a_step_has_no_image_nor_a_default_Should_point_at_the_step()
    {
        AssertFileRefused(Yaml("script: make", "steps:", "  build: {}"), 3, 3, "step 'build' needs 'image'", "'build'", "or as a top-level default");
    }

    [Test]
    public void When_a_top_level_secret_is_in_a_steps_env_Should_point_at_the_secret_and_name_the_step()
    {
        AssertFileRefused(Minimal("secrets: [TOKEN]", "steps:", "  a: {}", "  b: { env: { TOKEN: x } }"), 3, 11,
            "'TOKEN' is both in 'secrets' and in the env of step 'b'");
    }

    [Test]
    public void When_a_default_no_step_uses_is_bad_Should_still_be_refused()
    {
        AssertFileRefused(Minimal("timeout: 5x", "steps:", "  a: { timeout: 5m }"), 3, 10, "'timeout' is not a duration");
    }

    [TestCase("yes")]
    [TestCase("1")]
    [TestCase("\"maybe\"")]
    public void When_failFast_is_not_a_boolean_Should_show_the_value(string written)
    {
        AssertFileRefused(Pipeline("  a: {}").Replace("steps:", $"failFast: {written}\nsteps:"), 3, 11, "'failFast' must be true or false");
    }

    [Test]
    public void When_there_are_more_than_100_steps_Should_point_at_the_101st()
    {
        AssertFileRefused(Pipeline([.. Enumerable.Range(1, 101).Select(i => $"  s{i}: {{}}")]), 104, 3,
            "a pipeline has at most 100 steps, this one has 101");
    }

    [Test]
    public void When_steps_is_empty_Should_say_so_at_the_mapping()
    {
        AssertFileRefused(Minimal("steps: {}"), 3, 8, "'steps' is empty");
    }

    [Test]
    public void When_a_need_mapping_names_no_step_Should_point_at_it()
    {
        AssertFileRefused(Pipeline("  a: {}", "  b:", "    needs: [{ artifacts: false }]"), 6, 13, "each item of 'needs' names a step");
    }

    [Test]
    public void When_a_need_is_a_list_Should_say_what_an_item_may_be()
    {
        AssertFileRefused(Pipeline("  a: {}", "  b:", "    needs: [[a]]"), 6, 13, "a step key or a mapping such as { step: build, artifacts: false }");
    }

    [TestCase("11")]
    [TestCase("-1")]
    public void When_retry_on_lost_is_out_of_range_Should_show_the_value(string written)
    {
        AssertFileRefused(Pipeline("  a:", $"    retry: {{ onLost: {written} }}"), 5, 22, "'onLost' must be a whole number from 0 to 10", $"'{written}'");
    }

    [Test]
    public void When_retry_has_no_onLost_Should_say_so()
    {
        AssertFileRefused(Minimal("retry: {}", "steps:", "  a: {}"), 3, 8, "'retry' needs 'onLost'");
    }

    [Test]
    public void When_a_resource_class_is_not_a_name_Should_show_it()
    {
        AssertFileRefused(Pipeline("  a: { resourceClass: \"big box\" }"), 4, 23, "'resourceClass' must be 1-100 characters", "'big box'");
    }

    [TestCase("needs: [a]")]
    [TestCase("when: always")]
    [TestCase("allowFailure: true")]
    [TestCase("concurrencyGroup: g")]
    public void When_a_step_only_key_is_at_the_top_Should_say_it_belongs_in_a_step(string line)
    {
        AssertFileRefused(Pipeline("  a: {}").Replace("steps:", $"{line}\nsteps:"), 3, 1, "is a key of a step: write it inside a step under 'steps'");
    }

    [Test]
    public void When_failFast_is_inside_a_step_Should_say_it_belongs_at_the_top()
    {
        AssertFileRefused(Pipeline("  a: { failFast: true }"), 4, 8, "'failFast' is a key of the whole pipeline");
    }

    [TestCase("failFast: true")]
    [TestCase("retry: { onLost: 1 }")]
    [TestCase("resourceClass: large")]
    public void When_a_pipeline_key_is_in_a_file_without_steps_Should_refuse_it(string line)
    {
        AssertRefused(Minimal(line), 3, 1, "belongs to a pipeline");
        AssertFileRefused(Minimal(line), 3, 1, "belongs to a pipeline");
    }

    [Test]
    public void When_a_pipeline_is_read_as_a_single_run_Should_point_at_steps()
    {
        AssertRefused(Pipeline("  a: {}"), 3, 1, "'steps' makes this file a pipeline");
    }
}
