using Narwhal.Runner.JobConfigs;
using NUnit.Framework;
using static Narwhal.Runner.Tests.JobConfigs.JobConfigFiles;

namespace Narwhal.Runner.Tests.JobConfigs;

/// <summary>
/// Locks in the refusals of files that are not YAML or not shaped like a job config: each at the
/// exact line and column of the offending node, the problem naming the key or value.
/// </summary>
[TestFixture]
public sealed class JobConfigShapeErrors_Specs
{
    [TestCase("")]
    [TestCase("   \n\n")]
    [TestCase("# nothing yet\n# still nothing\n")]
    [TestCase("---\n")]
    [TestCase("~\n")]
    public void When_the_file_is_empty_Should_be_refused_at_its_start(string yaml)
    {
        AssertRefused(yaml, 1, 1, "empty", "image", "script");
    }

    [Test]
    public void When_the_file_is_a_list_Should_say_it_must_be_a_mapping()
    {
        AssertRefused(Yaml("# ci", "- make"), 2, 1, "mapping", "a list");
    }

    [Test]
    public void When_the_file_holds_two_documents_Should_point_at_the_second()
    {
        AssertRefused(Minimal("---", "image: other"), 3, 1, "more than one YAML document");
    }

    [Test]
    public void When_indentation_uses_a_tab_Should_point_at_the_tab()
    {
        AssertRefused(Yaml("image: x", "script:", "\t- make"), 3, 1, "tabs");
    }

    [Test]
    public void When_a_tab_follows_spaces_in_indentation_Should_point_at_the_tab()
    {
        AssertRefused(Yaml("image: x", "script:", "  - make", "  \t- test"), 4, 3, "tabs");
    }

    [Test]
    public void When_a_quote_is_not_closed_Should_point_at_the_opening_quote()
    {
        AssertRefused(Yaml("script: [make]", "image: 'local/busybox:1"), 2, 8, "quoted scalar");
    }

    [Test]
    public void When_indentation_is_inconsistent_Should_point_where_the_parser_lost_track()
    {
        AssertRefused(Yaml("image: x", "script:", "  - make", " env: {}"), 4, 2, "block mapping");
    }

    [Test]
    public void When_a_top_level_key_is_unknown_Should_name_it_and_the_allowed_keys()
    {
        AssertRefused(Minimal("timeoutt: 5m"), 3, 1,
            "unknown key 'timeoutt'", "image, build, script, env, services, timeout, resources, results, secrets, user");
    }

    [Test]
    public void When_a_service_key_is_unknown_Should_name_the_service_level_keys_and_suggest_the_near_one()
    {
        AssertRefused(Minimal("services:", "  db:", "    image: postgres:15", "    ready_timeout: 5s"), 6, 5,
            "unknown key 'ready_timeout'", "did you mean 'readyTimeout'?", "image, build, env, command, ready, readyTimeout");
    }

    [Test]
    public void When_a_build_key_is_unknown_Should_name_the_build_level_keys()
    {
        AssertRefused(ScriptOnly("build:", "  file: ci.Dockerfile"), 3, 3, "unknown key 'file'", "dockerfile, context, args");
    }

    [Test]
    public void When_keys_differ_only_in_case_Should_be_unknown()
    {
        AssertRefused(Yaml("Image: x", "script: [make]"), 1, 1, "unknown key 'Image'", "did you mean 'image'?");
    }

    [Test]
    public void When_script_is_a_mapping_Should_name_script_and_what_was_found()
    {
        AssertRefused(Yaml("image: x", "script: {a: b}"), 2, 9, "'script'", "a list of values", "found a mapping");
    }

    [Test]
    public void When_a_script_item_is_a_mapping_Should_point_at_the_item()
    {
        // An unquoted "key: value" line is YAML's mapping, a classic slip in commands.
        AssertRefused(Yaml("image: x", "script:", "  - make", "  - echo: done"), 4, 5, "'script'", "found a mapping");
    }

    [Test]
    public void When_image_is_a_list_Should_name_image()
    {
        AssertRefused(Yaml("image: [a, b]", "script: [make]"), 1, 8, "'image' must be a single value", "found a list");
    }

    [Test]
    public void When_env_is_a_list_Should_name_env()
    {
        AssertRefused(Minimal("env:", "  - A=1"), 4, 3, "'env' must be a mapping", "found a list");
    }

    [Test]
    public void When_an_env_value_is_a_mapping_Should_name_the_variable()
    {
        AssertRefused(Minimal("env:", "  A: { nested: 1 }"), 4, 6, "'A' in 'env'", "single value");
    }

    [Test]
    public void When_services_is_a_string_Should_name_services()
    {
        AssertRefused(Minimal("services: postgres"), 3, 11, "'services' must be a mapping", "'postgres'");
    }

    [Test]
    public void When_a_service_is_a_string_Should_name_the_service()
    {
        AssertRefused(Minimal("services:", "  db: postgres:15"), 4, 7, "'db' in 'services' must be a mapping", "'postgres:15'");
    }

    [Test]
    public void When_a_key_has_no_value_Should_say_so_at_the_key()
    {
        AssertRefused(Minimal("timeout:"), 3, 9, "'timeout' has no value");
    }

    [Test]
    public void When_an_env_variable_has_no_value_Should_name_it()
    {
        AssertRefused(Minimal("env:", "  TOKEN: ~"), 4, 10, "'TOKEN' in 'env' has no value");
    }

    [Test]
    public void When_a_script_item_is_empty_Should_point_at_it()
    {
        AssertRefused(Yaml("image: x", "script:", "  - make", "  -", "  - test"), 4, 4, "'script' has an empty item");
    }

    [Test]
    public void When_a_top_level_key_is_repeated_Should_point_at_the_second()
    {
        AssertRefused(Yaml("image: x", "script: [make]", "image: y"), 3, 1, "duplicate key 'image'", "line 1");
    }

    [Test]
    public void When_an_env_variable_is_repeated_Should_point_at_the_second()
    {
        AssertRefused(Minimal("env:", "  A: 1", "  B: 2", "  A: 3"), 6, 3, "duplicate key 'A'", "line 4");
    }

    [Test]
    public void When_a_service_is_repeated_Should_point_at_the_second()
    {
        AssertRefused(Minimal("services:", "  db: { image: a }", "  db: { image: b }"), 5, 3, "duplicate key 'db'");
    }

    [Test]
    public void When_a_key_of_a_service_is_repeated_Should_point_at_the_second()
    {
        AssertRefused(Minimal("services:", "  db: { image: a, ready: x, ready: y }"), 4, 29, "duplicate key 'ready'");
    }

    [Test]
    public void When_an_alias_is_used_Should_be_refused_at_the_alias()
    {
        AssertRefused(Minimal("env:", "  A: &value hello", "  B: *value"), 5, 6, "alias", "*value");
    }

    [Test]
    public void When_a_list_repeats_an_anchor_through_aliases_Should_be_refused_at_the_first_alias()
    {
        // The building block of "billion laughs": refused before anything is expanded.
        AssertRefused(Yaml("image: x", "script: [&lol make, *lol, *lol, *lol]"), 2, 21, "alias", "*lol");
    }

    [Test]
    public void When_a_section_is_reused_through_an_alias_Should_be_refused_at_the_alias()
    {
        AssertRefused(Minimal("env: &a { A: 1 }", "services: { s: { image: x, env: *a } }"), 4, 33, "alias", "*a");
    }

    [Test]
    public void When_a_merge_key_brings_in_an_anchor_Should_be_refused_at_the_alias()
    {
        AssertRefused(Minimal("services:", "  a: &base { image: x }", "  b:", "    <<: *base"), 6, 9, "alias");
    }

    [Test]
    public void When_a_tag_is_used_Should_be_refused_at_the_tagged_node()
    {
        AssertRefused(Minimal("user: !!str 1000"), 3, 7, "tags", "!!str");
    }

    [Test]
    public void When_the_file_is_larger_than_256_KiB_Should_be_refused_at_its_start()
    {
        var huge = Minimal() + new string('#', JobConfigParser.MaxFileBytes) + "\n";

        AssertRefused(huge, 1, 1, "larger than 256 KiB");
    }

    [Test]
    public void When_the_file_is_just_under_the_limit_Should_parse()
    {
        var padding = new string('#', JobConfigParser.MaxFileBytes - Minimal().Length - 1) + "\n";

        Assert.That(Parse(Minimal() + padding).Script, Is.EqualTo(new[] { "make" }));
    }

    [Test]
    public void When_an_error_sits_in_a_windows_line_ending_file_Should_count_lines_and_columns_the_same()
    {
        AssertRefused(Minimal("services:", "  db:", "    imagee: x").Replace("\n", "\r\n"), 5, 5, "unknown key 'imagee'");
    }
}
