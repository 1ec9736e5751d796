using System.Text.Json;
using System.Text.RegularExpressions;
using Narwhal.Core.Persistence;
using Narwhal.Core.Runs;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Runs;

/// <summary>
/// A status has one name everywhere: in SQL (the runs.status CHECK constraint, last defined in migrations/0012), in
/// RunStatusNames, and in JSON. A status added in one place only fails here.
/// </summary>
[TestFixture]
public sealed class RunStatusNames_Specs
{
    private static readonly RunStatus[] All = Enum.GetValues<RunStatus>();

    [TestCaseSource(nameof(All))]
    public void When_a_status_is_named_and_parsed_back_Should_round_trip(RunStatus status)
    {
        Assert.That(RunStatusNames.Parse(status.Name()), Is.EqualTo(status));
        Assert.That(RunStatusNames.TryParse(status.Name(), out var parsed) && parsed == status, Is.True);
    }

    [Test]
    public void When_listing_all_names_Should_have_one_distinct_name_per_status()
    {
        Assert.That(RunStatusNames.All, Is.Unique);
        Assert.That(RunStatusNames.All, Is.EquivalentTo(All.Select(s => s.Name())));
    }

    [TestCase("TimedOut")]
    [TestCase("QUEUED")]
    [TestCase("timed-out")]
    [TestCase("")]
    [TestCase(null)]
    public void When_a_name_is_not_a_status_name_Should_not_parse(string? name)
    {
        Assert.That(RunStatusNames.TryParse(name, out _), Is.False);
        if (name is not null) Assert.That(() => RunStatusNames.Parse(name), Throws.InstanceOf<FormatException>().With.Message.Contains("timed_out"));
    }

    [Test]
    public void When_compared_with_the_runs_status_check_constraint_Should_list_the_same_names()
    {
        // 0001 created the constraint with the column; later files drop and re-add it by name. The last one counts.
        var check = Narwhal.Core.Persistence.Migrator.Embedded()
            .Select(m => Regex.Match(m.Sql,
                @"(?:status\s+text\s+NOT NULL\s+|CONSTRAINT\s+runs_status_check\s+)CHECK\s*\(\s*status\s+IN\s*\(([^)]*)\)\s*\)",
                RegexOptions.IgnoreCase))
            .LastOrDefault(m => m.Success);
        Assert.That(check, Is.Not.Null, "the runs.status CHECK constraint was not found in the migrations");

        var inSql = Regex.Matches(check!.Groups[1].Value, "'([^']*)'").Select(m => m.Groups[1].Value).ToList();

        Assert.That(inSql, Is.Unique);
        Assert.That(inSql, Is.EquivalentTo(RunStatusNames.All));
    }

    [Test]
    public void When_timed_out_is_serialized_Should_be_written_as_timed_out_and_read_back()
    {
        Assert.That(JsonSerializer.Serialize(RunStatus.TimedOut, Json.Options), Is.EqualTo("\"timed_out\""));
        Assert.That(JsonSerializer.Deserialize<RunStatus>("\"timed_out\"", Json.Options), Is.EqualTo(RunStatus.TimedOut));
    }

    [TestCaseSource(nameof(All))]
    public void When_a_status_is_serialized_Should_use_its_sql_name(RunStatus status)
    {
        Assert.That(JsonSerializer.Serialize(status, Json.Options), Is.EqualTo($"\"{status.Name()}\""));
    }

    [Test]
    public void When_a_status_arrives_as_a_number_Should_be_refused()
    {
        Assert.That(() => JsonSerializer.Deserialize<RunStatus>("4", Json.Options), Throws.InstanceOf<JsonException>());
    }
}
