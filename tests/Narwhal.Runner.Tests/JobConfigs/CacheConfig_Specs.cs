using Narwhal.Core.Persistence;
using Narwhal.Runner.JobConfigs;
using NUnit.Framework;
using static Narwhal.Runner.Tests.JobConfigs.JobConfigFiles;

namespace Narwhal.Runner.Tests.JobConfigs;

/// <summary>
/// <c>cache</c> as docs/job-config.md describes it: one mapping or a short list, a key template of text and
/// placeholders, paths inside the workspace; at the top of a file without steps, as a default for steps, and per
/// step; stored with a step's definition unchanged. Each refusal at the line and column of what is wrong.
/// </summary>
[TestFixture]
public sealed class CacheConfig_Specs
{
    private const string NpmKey = "'npm-{{ checksum \"package-lock.json\" }}'";

    [Test]
    public void When_a_file_without_steps_has_one_cache_Should_keep_its_key_template_and_normalized_paths()
    {
        var config = Parse(Minimal($"cache: {{ key: {NpmKey}, paths: [node_modules, ./.npm/] }}"));

        Assert.That(config.Caches, Has.Count.EqualTo(1));
        Assert.That(config.Caches[0].Key, Is.EqualTo("npm-{{ checksum \"package-lock.json\" }}"));
        Assert.That(config.Caches[0].Paths, Is.EqualTo(new[] { "node_modules", ".npm" }));
    }

    [Test]
    public void When_cache_is_a_list_Should_keep_every_item_in_file_order()
    {
        var config = Parse(Minimal(
            "cache:",
            $"  - key: {NpmKey}",
            "    paths: node_modules",
            "  - key: 'pip-{{ branch }}-v2'",
            "    paths: [.cache/pip]"));

        Assert.That(config.Caches.Select(c => c.Key), Is.EqualTo(new[] { "npm-{{ checksum \"package-lock.json\" }}", "pip-{{ branch }}-v2" }));
        Assert.That(config.Caches[1].Paths, Is.EqualTo(new[] { ".cache/pip" }));
    }

    [Test]
    public void When_a_pipeline_sets_cache_at_the_top_Should_give_it_to_steps_without_their_own()
    {
        var pipeline = ParsePipeline(Yaml(
            "image: local/busybox:1",
            "script: [make]",
            "cache: { key: deps, paths: [deps] }",
            "steps:",
            "  build: {}",
            "  lint:",
            "    cache: { key: lint, paths: [.lint] }"));

        Assert.That(pipeline.Steps[0].Job.Caches.Single().Key, Is.EqualTo("deps"));
        Assert.That(pipeline.Steps[1].Job.Caches.Single().Key, Is.EqualTo("lint"), "a step's own cache replaces the default whole");
    }

    [Test]
    public void When_a_step_with_caches_is_stored_and_read_back_Should_keep_them()
    {
        var step = ParsePipeline(Yaml(
            "image: local/busybox:1",
            "steps:",
            "  build:",
            "    script: [make]",
            $"    cache: [{{ key: {NpmKey}, paths: [node_modules, .npm] }}, {{ key: other, paths: [x/y] }}]")).Steps[0];

        var read = Json.Deserialize<StepConfig>(Json.Serialize(step))!;

        Assert.That(read.Job.Caches.Select(c => (c.Key, string.Join(",", c.Paths))),
            Is.EqualTo(step.Job.Caches.Select(c => (c.Key, string.Join(",", c.Paths)))));
        Assert.That(read.Job.Caches, Has.Count.EqualTo(2));
    }

    [Test]
    public void When_the_docs_example_is_read_Should_give_the_cache_it_describes()
    {
        var config = Parse(Minimal() + DocsExample("### Caches"));

        Assert.That(config.Caches.Single().Key, Is.EqualTo("npm-{{ checksum \"package-lock.json\" }}"));
        Assert.That(config.Caches.Single().Paths, Is.EqualTo(new[] { "node_modules", ".npm" }));
    }

    [Test]
    public void When_a_file_has_no_cache_Should_have_none()
    {
        Assert.That(Parse(Minimal()).Caches, Is.Empty);
    }

    [Test]
    public void When_an_item_has_no_key_Should_point_at_the_item()
    {
        AssertRefused(Minimal("cache:", "  paths: [x]"), 4, 3, "needs 'key'");
    }

    [Test]
    public void When_an_item_has_no_paths_Should_point_at_the_item()
    {
        AssertRefused(Minimal("cache: { key: deps }"), 3, 8, "needs 'paths'");
    }

    [Test]
    public void When_an_item_has_an_unknown_key_Should_name_the_allowed_ones()
    {
        AssertRefused(Minimal("cache: { key: deps, paths: [x], path: y }"), 3, 33, "unknown key 'path'", "key, paths");
    }

    [Test]
    public void When_cache_is_a_single_value_Should_say_what_it_must_be()
    {
        AssertRefused(Minimal("cache: node_modules"), 3, 8, "'cache' must be a mapping");
    }

    [Test]
    public void When_cache_has_more_than_four_items_Should_point_at_the_fifth()
    {
        AssertRefused(Minimal("cache:", "  - { key: a, paths: [a] }", "  - { key: b, paths: [b] }", "  - { key: c, paths: [c] }",
            "  - { key: d, paths: [d] }", "  - { key: e, paths: [e] }"), 8, 5, "more than 4");
    }

    [Test]
    public void When_two_items_have_the_same_key_Should_point_at_the_second_key()
    {
        AssertRefused(Minimal("cache:", "  - { key: deps, paths: [a] }", "  - { key: deps, paths: [b] }"), 5, 12, "'deps'", "twice");
    }

    [Test]
    public void When_the_key_has_a_character_a_key_does_not_take_Should_show_the_text()
    {
        AssertRefused(Minimal("cache: { key: 'npm deps', paths: [x] }"), 3, 15, "'npm deps'", "letters, digits");
    }

    [Test]
    public void When_the_key_has_an_unknown_placeholder_Should_name_the_known_ones()
    {
        AssertRefused(Minimal("cache: { key: 'npm-{{ hash \"a\" }}', paths: [x] }"), 3, 15, "'{{ hash \"a\" }}'", "checksum", "branch");
    }

    [Test]
    public void When_a_placeholder_is_not_closed_Should_say_so()
    {
        AssertRefused(Minimal("cache: { key: 'npm-{{ branch', paths: [x] }"), 3, 15, "'}}'");
    }

    [Test]
    public void When_the_checksum_names_a_path_outside_the_repository_Should_show_it()
    {
        AssertRefused(Minimal("cache: { key: 'x-{{ checksum \"../lock\" }}', paths: [x] }"), 3, 15, "'checksum'", "'../lock'");
    }

    [Test]
    public void When_a_path_is_absolute_Should_show_it()
    {
        AssertRefused(Minimal("cache: { key: deps, paths: [node_modules, /root/.npm] }"), 3, 43, "'paths'", "'/root/.npm'");
    }

    [Test]
    public void When_a_path_climbs_out_with_dots_Should_show_it()
    {
        AssertRefused(Minimal("cache: { key: deps, paths: [a/../../b] }"), 3, 29, "'..'");
    }

    [Test]
    public void When_a_path_is_the_workspace_itself_Should_say_so()
    {
        AssertRefused(Minimal("cache: { key: deps, paths: [./] }"), 3, 29, "workspace itself");
    }

    [Test]
    public void When_a_path_is_a_glob_Should_say_paths_are_literal()
    {
        AssertRefused(Minimal("cache: { key: deps, paths: [\"node_modules/*\"] }"), 3, 29, "not patterns");
    }

    [Test]
    public void When_one_path_is_inside_another_Should_point_at_the_later_one()
    {
        AssertRefused(Minimal("cache: { key: deps, paths: [deps, deps/sub] }"), 3, 35, "'deps/sub'", "'deps'");
    }

    [Test]
    public void When_a_step_cache_is_wrong_Should_point_into_the_step()
    {
        AssertFileRefused(Yaml(
            "image: local/busybox:1",
            "steps:",
            "  build:",
            "    script: [make]",
            "    cache: { key: deps }"), 5, 12, "needs 'paths'");
    }
}
