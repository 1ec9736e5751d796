using Narwhal.Api.Jobs;
using Narwhal.Core.Jobs;
using Narwhal.Core.Persistence;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Jobs;

/// <summary>
/// The plan of a job update (what `PUT /jobs/{name}` reports as <c>changes</c>): fields of the canonical spec JSON,
/// objects walked by dot path, arrays whole, absent = null; the same spec has no changes.
/// </summary>
[TestFixture]
public sealed class JobSpecDiff_Specs
{
    private static JobSpec Freestyle(params string[] script) => new()
    {
        Type = JobType.Freestyle,
        ResourceClass = "small",
        Image = "local/busybox:1",
        Script = script.Length > 0 ? script : ["echo hello"],
    };

    private static JobSpec Git(string defaultBranch = "main") => new()
    {
        Type = JobType.Git,
        ResourceClass = "small",
        Git = new GitSource { Url = "https://git.example/app.git", DefaultBranch = defaultBranch },
    };

    private static ParameterDeclaration Parameter(string name, string? @default = null) => new() { Name = name, Default = @default };

    /// <summary>Field, from and to as compact JSON text (null for an absent side), easy to compare.</summary>
    private static IEnumerable<(string Field, string? From, string? To)> Flat(IEnumerable<JobFieldChange> changes) =>
        changes.Select(c => (c.Field, c.From?.ToJsonString(), c.To?.ToJsonString()));

    [Test]
    public void When_the_specs_are_equal_Should_have_no_changes()
    {
        var spec = Freestyle("make", "make test") with { Parameters = [Parameter("TARGET", "prod")], TimeoutSeconds = 60 };

        Assert.That(JobSpecDiff.Between(spec, spec with { }), Is.Empty);
        Assert.That(JobSpecDiff.Between(Git(), Git()), Is.Empty);
    }

    [Test]
    public void When_a_nested_field_changes_Should_name_it_by_dot_path_with_both_values()
    {
        var changes = JobSpecDiff.Between(Git("main"), Git("release"));

        Assert.That(Flat(changes), Is.EqualTo(new[] { ("git.defaultBranch", (string?)"\"main\"", (string?)"\"release\"") }));
    }

    [Test]
    public void When_one_script_line_changes_Should_report_the_whole_script()
    {
        var changes = JobSpecDiff.Between(Freestyle("make", "make test"), Freestyle("make", "make check"));

        Assert.That(Flat(changes), Is.EqualTo(new[] { ("script", (string?)"[\"make\",\"make test\"]", (string?)"[\"make\",\"make check\"]") }));
    }

    [Test]
    public void When_a_parameter_default_changes_Should_report_the_whole_parameter_list()
    {
        var before = Freestyle() with { Parameters = [Parameter("TARGET", "staging")] };
        var after = Freestyle() with { Parameters = [Parameter("TARGET", "prod")] };

        var change = JobSpecDiff.Between(before, after).Single();

        Assert.That(change.Field, Is.EqualTo("parameters"));
        Assert.That(change.From!.ToJsonString(), Is.EqualTo("""[{"name":"TARGET","default":"staging","required":false}]"""));
        Assert.That(change.To!.ToJsonString(), Is.EqualTo("""[{"name":"TARGET","default":"prod","required":false}]"""));
    }

    [Test]
    public void When_an_optional_field_is_added_or_removed_Should_report_null_on_the_absent_side()
    {
        var plain = Freestyle();
        var described = plain with { Description = "Builds the app", TimeoutSeconds = 300 };

        Assert.That(Flat(JobSpecDiff.Between(plain, described)),
            Is.EqualTo(new (string, string?, string?)[] { ("description", null, "\"Builds the app\""), ("timeoutSeconds", null, "300") }));
        Assert.That(Flat(JobSpecDiff.Between(described, plain)),
            Is.EqualTo(new (string, string?, string?)[] { ("description", "\"Builds the app\"", null), ("timeoutSeconds", "300", null) }));
    }

    [Test]
    public void When_the_type_changes_Should_report_enums_as_the_api_names_them_and_walk_into_the_new_git_source()
    {
        var changes = Flat(JobSpecDiff.Between(Freestyle("make"), Git())).ToList();

        Assert.That(changes, Is.EqualTo(new (string, string?, string?)[]
        {
            ("type", "\"freestyle\"", "\"git\""),
            ("git.url", null, "\"https://git.example/app.git\""),
            ("git.configPath", null, "\".narwhal.yml\""),
            ("git.defaultBranch", null, "\"main\""),
            ("image", "\"local/busybox:1\"", null),
            ("script", "[\"make\"]", null),
        }));
    }

    [Test]
    public void When_stored_json_has_other_key_order_and_whitespace_Should_have_no_changes()
    {
        // Postgres gives jsonb back with its own key order and spacing: equal as jsonb, equal here.
        var spec = Git("release");
        const string stored = """{"git": {"url": "https://git.example/app.git", "configPath": ".narwhal.yml", "defaultBranch": "release"}, "type": "git", "parameters": [], "resourceClass": "small"}""";

        Assert.That(JobSpecDiff.Between(stored, Json.Serialize(spec)), Is.Empty);
    }

    [Test]
    public void When_stored_json_has_a_field_the_new_spec_lacks_Should_report_it_going_to_null()
    {
        var spec = Freestyle();
        var stored = Json.Serialize(spec).TrimEnd('}') + ""","retired":{"flag":true}}""";

        Assert.That(Flat(JobSpecDiff.Between(stored, Json.Serialize(spec))), Is.EqualTo(new[] { ("retired.flag", (string?)"true", (string?)null) }));
    }
}
