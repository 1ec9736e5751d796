using System.Text.Json;
using System.Text.RegularExpressions;
using Narwhal.Api.Github.Webhooks;
using Narwhal.Core.Persistence;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Github;

/// <summary>A delivery outcome has one name in SQL (the CHECK of migrations/0008), in C# and in JSON.</summary>
[TestFixture]
public sealed class DeliveryOutcomeNames_Specs
{
    [Test]
    public void When_compared_with_the_outcome_check_constraint_Should_list_the_same_names()
    {
        var sql = Migrator.Embedded().Single(m => m.Name == "0008_github_deliveries.sql").Sql;
        var check = Regex.Match(sql, @"outcome\s+text\s+NOT NULL\s+CHECK\s*\(\s*outcome\s+IN\s*\(([^)]*)\)\s*\)", RegexOptions.IgnoreCase);
        Assert.That(check.Success, Is.True, "the github_deliveries.outcome CHECK constraint was not found");

        var inSql = Regex.Matches(check.Groups[1].Value, "'([^']*)'").Select(m => m.Groups[1].Value).ToList();

        Assert.That(inSql, Is.EquivalentTo(DeliveryOutcomeNames.All));
    }

    [Test]
    public void When_an_outcome_is_serialized_Should_use_its_sql_name_and_parse_back([Values] DeliveryOutcome outcome)
    {
        Assert.That(JsonSerializer.Serialize(outcome, Json.Options), Is.EqualTo($"\"{outcome.Name()}\""));
        Assert.That(DeliveryOutcomeNames.Parse(outcome.Name()), Is.EqualTo(outcome));
    }

    [Test]
    public void When_a_cursor_is_encoded_Should_decode_to_the_same_position_and_refuse_tampering()
    {
        var cursor = new DeliveryCursor(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero), "72d3162e-cc78-11e3-81ab-4c9367dc0958");

        Assert.That(DeliveryCursor.TryDecode(cursor.Encode(), out var decoded) && decoded == cursor, Is.True);
        Assert.That(DeliveryCursor.TryDecode("not-a-cursor!", out _), Is.False);
        Assert.That(DeliveryCursor.TryDecode("", out _), Is.False);
    }
}
