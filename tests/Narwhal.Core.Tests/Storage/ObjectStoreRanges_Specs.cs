using Narwhal.Core.Storage;
using NUnit.Framework;
using static Narwhal.Core.Tests.Storage.TestContent;

namespace Narwhal.Core.Tests.Storage;

/// <summary>Byte ranges of a stored object: the bytes asked for and the total length, empty past the end, malformed ranges refused.</summary>
[TestFixtureSource(typeof(ObjectStoreFixture), nameof(Kinds))]
public sealed class ObjectStoreRanges_Specs(ObjectStoreKind kind) : ObjectStoreFixture(kind)
{
    private const int RangedLength = 1000;

    private async Task<(string Key, byte[] Bytes)> PutRangedObjectAsync()
    {
        var key = NewPrefix() + "ranged";
        var bytes = Random(RangedLength, seed: 11);
        await Store.PutAsync(key, new MemoryStream(bytes), "application/octet-stream", Ct);
        return (key, bytes);
    }

    [TestCase(0, 9L, 0, 10, TestName = "When_the_first_bytes_are_asked_for_Should_get_exactly_those")]
    [TestCase(100, 199L, 100, 100, TestName = "When_a_middle_range_is_asked_for_Should_get_exactly_it")]
    [TestCase(990, null, 990, 10, TestName = "When_a_range_has_no_end_Should_get_everything_from_its_start")]
    [TestCase(995, 5000L, 995, 5, TestName = "When_a_range_ends_past_the_end_Should_get_the_bytes_up_to_the_end")]
    [TestCase(999, 999L, 999, 1, TestName = "When_a_range_is_the_last_byte_Should_get_one_byte")]
    [TestCase(0, null, 0, RangedLength, TestName = "When_a_range_starts_at_zero_with_no_end_Should_get_the_whole_object")]
    public async Task When_a_range_is_asked_for_Should_get_those_bytes_and_the_total_length(long from, long? to, int expectedOffset, int expectedLength)
    {
        var (key, bytes) = await PutRangedObjectAsync();

        var stored = await Store.GetAsync(key, new ByteRange(from, to), Ct);

        Assert.That(stored, Is.Not.Null);
        Assert.That(stored!.Length, Is.EqualTo(expectedLength), "Length (of the returned bytes)");
        Assert.That(stored.TotalLength, Is.EqualTo(RangedLength), "TotalLength");
        AssertSameBytes(await ReadAllAsync(stored), bytes.AsSpan(expectedOffset, expectedLength), "ranged bytes");
    }

    [TestCase(RangedLength, null, TestName = "When_a_range_starts_exactly_at_the_end_Should_get_no_bytes")]
    [TestCase(5000, 6000L, TestName = "When_a_range_starts_past_the_end_Should_get_no_bytes")]
    public async Task When_a_range_starts_at_or_past_the_end_Should_get_an_empty_content_with_the_total_length(long from, long? to)
    {
        var (key, _) = await PutRangedObjectAsync();

        var stored = await Store.GetAsync(key, new ByteRange(from, to), Ct);

        Assert.That(stored, Is.Not.Null, "the object exists, only the range is empty");
        Assert.That(stored!.Length, Is.Zero);
        Assert.That(stored.TotalLength, Is.EqualTo(RangedLength));
        Assert.That(await ReadAllAsync(stored), Is.Empty);
    }

    [Test]
    public async Task When_an_empty_object_is_read_with_a_range_Should_get_no_bytes()
    {
        var key = NewPrefix() + "empty";
        await Store.PutAsync(key, new MemoryStream(), "text/plain", Ct);

        var stored = await Store.GetAsync(key, new ByteRange(0, null), Ct);

        Assert.That(stored, Is.Not.Null);
        Assert.That(stored!.Length, Is.Zero);
        Assert.That(stored.TotalLength, Is.Zero);
        Assert.That(await ReadAllAsync(stored), Is.Empty);
    }

    [TestCase(-1, null)]
    [TestCase(10, 9L)]
    public async Task When_a_range_is_malformed_Should_throw_ArgumentOutOfRangeException(long from, long? to)
    {
        var (key, _) = await PutRangedObjectAsync();
        Assert.That(async () => await Store.GetAsync(key, new ByteRange(from, to), Ct),
            Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public async Task When_a_missing_key_is_read_Should_get_null_with_or_without_range()
    {
        var key = NewPrefix() + "never-written";
        Assert.That(await Store.GetAsync(key, null, Ct), Is.Null);
        Assert.That(await Store.GetAsync(key, new ByteRange(0, 10), Ct), Is.Null);
        Assert.That(await Store.GetAsync(key, new ByteRange(5000, null), Ct), Is.Null);
    }
}
