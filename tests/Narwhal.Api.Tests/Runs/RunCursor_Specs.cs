using System.Buffers.Text;
using System.Text;
using Narwhal.Api.Runs;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Runs;

/// <summary>Run-list cursors are opaque to clients: what the Api hands out decodes exactly; anything else is refused, never thrown.</summary>
[TestFixture]
public sealed class RunCursor_Specs
{
    private static string Encoded(string text) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));

    [Test]
    public void When_a_cursor_is_encoded_and_decoded_Should_give_back_the_same_position_to_the_tick()
    {
        var cursor = new RunCursor(new DateTimeOffset(2025, 3, 14, 15, 9, 26, TimeSpan.Zero).AddTicks(5358979), Guid.CreateVersion7());

        Assert.That(RunCursor.TryDecode(cursor.Encode(), out var decoded), Is.True);
        Assert.That(decoded, Is.EqualTo(cursor));
    }

    [Test]
    public void When_the_time_has_an_offset_Should_decode_to_the_same_instant()
    {
        var cursor = new RunCursor(new DateTimeOffset(2025, 3, 14, 17, 0, 0, TimeSpan.FromHours(2)), Guid.NewGuid());

        Assert.That(RunCursor.TryDecode(cursor.Encode(), out var decoded), Is.True);
        Assert.That(decoded.CreatedAt.UtcTicks, Is.EqualTo(cursor.CreatedAt.UtcTicks));
        Assert.That(decoded.Id, Is.EqualTo(cursor.Id));
    }

    [Test]
    public void When_a_cursor_is_encoded_Should_be_url_safe()
    {
        var encoded = new RunCursor(DateTimeOffset.UtcNow, Guid.NewGuid()).Encode();

        Assert.That(encoded, Does.Match("^[A-Za-z0-9_-]+$"));
    }

    [Test]
    public void When_a_character_of_a_real_cursor_is_changed_Should_refuse_it()
    {
        var encoded = new RunCursor(DateTimeOffset.UtcNow, Guid.NewGuid()).Encode();
        var tampered = "!" + encoded[1..];

        Assert.That(RunCursor.TryDecode(tampered, out var decoded), Is.False);
        Assert.That(decoded, Is.EqualTo(default(RunCursor)));
    }

    [Test]
    public void When_a_real_cursor_is_cut_short_Should_refuse_it()
    {
        var encoded = new RunCursor(DateTimeOffset.UtcNow, Guid.NewGuid()).Encode();

        Assert.That(RunCursor.TryDecode(encoded[..^3], out _), Is.False);
    }

    private static readonly object?[] Garbage =
    [
        null,
        "",
        "garbage!",
        "a",
        new string('A', 101),
        Encoded("638771405660000000"),
        Encoded("638771405660000000:not-a-guid"),
        Encoded("638771405660000000:0195d5a9-7f3e-7c1a-9d2b-3e4f5a6b7c8d"), // guid not in "N" form
        Encoded("-1:0195d5a97f3e7c1a9d2b3e4f5a6b7c8d"),
        Encoded("+5:0195d5a97f3e7c1a9d2b3e4f5a6b7c8d"),
        Encoded("99999999999999999999:0195d5a97f3e7c1a9d2b3e4f5a6b7c8d"),
        Encoded("3155378976000000000:0195d5a97f3e7c1a9d2b3e4f5a6b7c8d"), // one past DateTimeOffset.MaxValue
        Encoded("1:0195d5a97f3e7c1a9d2b3e4f5a6b7c8d:extra"),
        Encoded(" 1:0195d5a97f3e7c1a9d2b3e4f5a6b7c8d"),
    ];

    [TestCaseSource(nameof(Garbage))]
    public void When_the_cursor_is_not_one_the_api_made_Should_refuse_it_without_throwing(string? value)
    {
        Assert.That(RunCursor.TryDecode(value, out _), Is.False);
    }
}
