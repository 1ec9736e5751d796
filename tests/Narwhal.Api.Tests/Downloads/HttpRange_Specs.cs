using System.Text;
using Narwhal.Api.Downloads;
using Narwhal.Api.Endpoints;
using Narwhal.Api.Logs;
using Narwhal.Core.Storage;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Downloads;

/// <summary>Byte ranges, UTF-8 cut points and artifact paths: the pure rules behind downloads and live logs.</summary>
[TestFixture]
public sealed class HttpRange_Specs
{
    [TestCase("bytes=0-9", 100, 0, 9)]
    [TestCase("bytes=90-", 100, 90, 99)]
    [TestCase("bytes=-10", 100, 90, 99)]
    [TestCase("bytes=95-200", 100, 95, 99)]
    [TestCase("bytes=-500", 100, 0, 99)]
    public void When_a_satisfiable_range_is_asked_Should_resolve_it_against_the_size(string header, long size, long from, long to)
    {
        var (outcome, range) = HttpRange.Resolve(header, size);
        Assert.That(outcome, Is.EqualTo(HttpRange.Outcome.Partial));
        Assert.That(range, Is.EqualTo(new ByteRange(from, to)));
    }

    [TestCase("bytes=100-", 100)]
    [TestCase("bytes=-0", 100)]
    [TestCase("bytes=0-", 0)]
    public void When_the_range_is_outside_the_object_Should_be_unsatisfiable(string header, long size) =>
        Assert.That(HttpRange.Resolve(header, size).Outcome, Is.EqualTo(HttpRange.Outcome.Unsatisfiable));

    [TestCase(null)]
    [TestCase("items=0-5")]
    [TestCase("bytes=0-5,10-15")]
    [TestCase("bytes=abc")]
    [TestCase("bytes=9-3")]
    public void When_the_header_is_absent_or_not_a_single_bytes_range_Should_serve_the_whole_object(string? header) =>
        Assert.That(HttpRange.Resolve(header, 100).Outcome, Is.EqualTo(HttpRange.Outcome.Whole));

    [TestCase("abc", 3)]
    [TestCase("é", 2)]
    [TestCase("aé", 3)]
    [TestCase("€", 3)]
    [TestCase("😀", 4)]
    public void When_text_ends_on_a_whole_character_Should_keep_all_of_it(string text, int expected) =>
        Assert.That(Utf8Boundary.CompletePrefixLength(Encoding.UTF8.GetBytes(text)), Is.EqualTo(expected));

    [TestCase("aé", 1, 2)]
    [TestCase("a€", 1, 2)]
    [TestCase("a€", 1, 3)]
    [TestCase("a😀", 1, 4)]
    public void When_text_is_cut_inside_a_character_Should_stop_before_it(string text, int expected, int cut) =>
        Assert.That(Utf8Boundary.CompletePrefixLength(Encoding.UTF8.GetBytes(text).AsSpan(0, cut)), Is.EqualTo(expected));

    [TestCase("dist/app.txt", true)]
    [TestCase("a/b/c.tar.gz", true)]
    [TestCase("dist/../etc/passwd", false)]
    [TestCase("./dist/app.txt", false)]
    [TestCase("dist/%2e%2e/x", false)]
    [TestCase("dist%2Fx", false)]
    [TestCase("dist\\x", false)]
    [TestCase("", false)]
    public void When_an_artifact_path_is_judged_Should_refuse_climbing_and_encoded_forms(string path, bool safe) =>
        Assert.That(ArtifactPaths.IsSafe(path), Is.EqualTo(safe));
}
