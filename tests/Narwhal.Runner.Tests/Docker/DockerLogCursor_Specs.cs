using System.Text;
using Narwhal.Runner.Docker;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Docker;

/// <summary>Resuming a Docker log read by entry timestamp: nothing delivered twice, nothing skipped.</summary>
[TestFixture]
public sealed class DockerLogCursor_Specs
{
    private static LogFrame Entry(string timestamp, string text, bool startsEntry = true) =>
        new(LogStream.Stdout, Encoding.UTF8.GetBytes(startsEntry ? $"{timestamp} {text}" : text), startsEntry);

    private static List<string> Read(DockerLogCursor cursor, params LogFrame[] frames)
    {
        cursor.BeginRead();
        return frames.Select(cursor.Accept).Where(d => d is not null).Select(d => Encoding.UTF8.GetString(d!.Value.Span)).ToList();
    }

    [TestCase("2026-11-22T23:13:02.123456789Z", 1795389182L, 123456789)]
    [TestCase("2026-11-22T23:13:02.1Z", 1795389182L, 100000000)]
    [TestCase("2026-11-22T23:13:02Z", 1795389182L, 0)]
    [TestCase("2026-11-23T00:13:02.5+01:00", 1795389182L, 500000000)]
    public void Timestamps_as_Go_writes_them_Should_parse_to_the_nanosecond(string text, long seconds, int nanos)
    {
        Assert.That(DockerLogCursor.TryParse(Encoding.ASCII.GetBytes(text), out var time), Is.True);
        Assert.That(time, Is.EqualTo((seconds, nanos)));
    }

    [TestCase("not a time")]
    [TestCase("2026-11-22T23:13:02.1234567891Z")]
    [TestCase("2026-13-22T23:13:02Z")]
    public void Garbage_Should_not_parse(string text) =>
        Assert.That(DockerLogCursor.TryParse(Encoding.ASCII.GetBytes(text), out _), Is.False);

    [Test]
    public void A_resumed_read_Should_skip_what_was_delivered_including_entries_sharing_the_last_timestamp()
    {
        var cursor = new DockerLogCursor();
        const string t1 = "2026-11-22T23:13:02.000000001Z", t2 = "2026-11-22T23:13:02.000000002Z", t3 = "2026-11-22T23:13:03Z";
        // The follow ended early after the first "b" at t2.
        Assert.That(Read(cursor, Entry(t1, "a\n"), Entry(t2, "b\n")), Is.EqualTo(new[] { "a\n", "b\n" }));
        Assert.That(cursor.Since, Is.EqualTo("1795389182.000000002"));

        // The catch-up asks since=t2: the engine repeats the first b (same timestamp), not a.
        var rest = Read(cursor, Entry(t2, "b\n"), Entry(t2, "b2\n"), Entry(t3, "c\n"));
        Assert.That(rest, Is.EqualTo(new[] { "b2\n", "c\n" }));
        Assert.That(cursor.Delivered, Is.EqualTo(4));

        Assert.That(Read(cursor, Entry(t3, "c\n")), Is.Empty, "a third read delivers nothing new");
    }

    [Test]
    public void Within_a_read_an_entry_stamped_earlier_by_the_other_stream_Should_be_delivered()
    {
        var cursor = new DockerLogCursor();
        const string t1 = "2026-11-22T23:13:02.000000001Z", t2 = "2026-11-22T23:13:02.000000002Z";
        cursor.BeginRead();
        var err = cursor.Accept(new LogFrame(LogStream.Stderr, Encoding.UTF8.GetBytes($"{t2} err0\n")));
        var @out = cursor.Accept(new LogFrame(LogStream.Stdout, Encoding.UTF8.GetBytes($"{t1} out0\n")));
        Assert.That(err, Is.Not.Null);
        Assert.That(@out, Is.Not.Null, "out0 is new although stamped before err0");
        Assert.That(cursor.Since, Is.EqualTo("1795389182.000000002"), "the latest timestamp stays the resume point");
    }

    [Test]
    public void The_pieces_of_a_long_entry_Should_follow_its_first_piece_delivered_or_skipped()
    {
        var cursor = new DockerLogCursor();
        const string t1 = "2026-11-22T23:13:02.1Z", t2 = "2026-11-22T23:13:02.2Z";
        Assert.That(Read(cursor, Entry(t1, "long-"), Entry(t1, "tail\n", startsEntry: false)), Is.EqualTo(new[] { "long-", "tail\n" }));
        var again = Read(cursor, Entry(t1, "long-"), Entry(t1, "tail\n", startsEntry: false), Entry(t2, "next\n"));
        Assert.That(again, Is.EqualTo(new[] { "next\n" }), "the repeated entry's continuation is skipped with it");
    }

    [Test]
    public void An_entry_without_a_timestamp_Should_be_refused_loudly()
    {
        var cursor = new DockerLogCursor();
        cursor.BeginRead();
        Assert.Throws<InvalidDataException>(() => cursor.Accept(new LogFrame(LogStream.Stdout, "plain\n"u8.ToArray())));
    }
}
