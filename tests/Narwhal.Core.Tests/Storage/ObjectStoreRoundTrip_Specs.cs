using System.Text;
using Narwhal.Core.Storage;
using NUnit.Framework;
using static Narwhal.Core.Tests.Storage.TestContent;

namespace Narwhal.Core.Tests.Storage;

/// <summary>Put and get: what goes in comes back byte-exact with its content type, whatever the size, stream or source, and survives the bucket being ensured again.</summary>
[TestFixtureSource(typeof(ObjectStoreFixture), nameof(Kinds))]
public sealed class ObjectStoreRoundTrip_Specs(ObjectStoreKind kind) : ObjectStoreFixture(kind)
{
    [Test]
    public async Task When_an_empty_object_is_put_Should_get_zero_bytes_with_its_content_type()
    {
        var key = NewPrefix() + "empty";
        await Store.PutAsync(key, new MemoryStream(), "text/plain", Ct);

        var stored = await Store.GetAsync(key, null, Ct);
        Assert.That(stored, Is.Not.Null);
        Assert.That(stored!.Length, Is.Zero);
        Assert.That(stored.TotalLength, Is.Zero);
        Assert.That(stored.ContentType, Is.EqualTo("text/plain"));
        Assert.That(await ReadAllAsync(stored), Is.Empty);
    }

    [Test]
    public async Task When_a_small_object_is_put_Should_get_the_same_bytes_length_and_content_type()
    {
        var key = NewPrefix() + "small.log";
        var bytes = Encoding.UTF8.GetBytes("step 1: ok\nstep 2: ünïcødé ✓\n");
        await Store.PutAsync(key, new MemoryStream(bytes), "text/plain; charset=utf-8", Ct);

        var stored = await Store.GetAsync(key, null, Ct);
        Assert.That(stored, Is.Not.Null);
        Assert.That(stored!.Length, Is.EqualTo(bytes.Length));
        Assert.That(stored.TotalLength, Is.EqualTo(bytes.Length));
        Assert.That(stored.ContentType, Is.EqualTo("text/plain; charset=utf-8"));
        Assert.That(stored.ETag, Is.Not.Null.And.Not.Empty);
        AssertSameBytes(await ReadAllAsync(stored), bytes, "small object");
    }

    [Test]
    public async Task When_the_stream_is_not_at_its_start_Should_store_from_its_current_position()
    {
        var key = NewPrefix() + "tail";
        var stream = new MemoryStream(Encoding.ASCII.GetBytes("skipped|kept"));
        stream.Position = "skipped|".Length;

        AssertSameBytes(await PutAndGetAsync(key, stream), "kept"u8, "stored bytes");
    }

    [Test]
    public async Task When_content_is_larger_than_one_part_Should_round_trip_byte_exact_with_its_content_type()
    {
        var key = NewPrefix() + "big.bin";
        var bytes = Random(20 * MiB, seed: 1);
        await Store.PutAsync(key, new MemoryStream(bytes), "application/x-tar", Ct);

        var stored = await Store.GetAsync(key, null, Ct);
        Assert.That(stored, Is.Not.Null);
        Assert.That(stored!.TotalLength, Is.EqualTo(bytes.Length));
        Assert.That(stored.ContentType, Is.EqualTo("application/x-tar"));
        AssertSameBytes(await ReadAllAsync(stored), bytes, "20 MiB object");

        // A range across the boundary between the first and second part.
        var across = await Store.GetAsync(key, new ByteRange(PartSize - 5, PartSize + 4), Ct);
        AssertSameBytes(await ReadAllAsync(across!), bytes.AsSpan(PartSize - 5, 10), "range across parts");
    }

    [TestCase(PartSize - 1, TestName = "When_non_seekable_content_is_one_byte_short_of_a_part_Should_round_trip")]
    [TestCase(PartSize, TestName = "When_non_seekable_content_is_exactly_one_part_Should_round_trip")]
    [TestCase(PartSize + 1, TestName = "When_non_seekable_content_is_one_part_and_a_byte_Should_round_trip")]
    [TestCase(4 * PartSize + 12_345, TestName = "When_non_seekable_content_spans_five_parts_Should_round_trip")]
    public async Task When_non_seekable_content_is_put_Should_round_trip_byte_exact(int length)
    {
        var key = NewPrefix() + "piped";
        var bytes = Random(length, seed: length);
        var content = new NonSeekableStream(bytes, maxRead: 100_003);

        AssertSameBytes(await PutAndGetAsync(key, content), bytes, $"{length} bytes through a non-seekable stream");
    }

    [Test]
    public async Task When_a_key_is_put_twice_Should_get_the_second_content()
    {
        var key = NewPrefix() + "overwritten";
        await Store.PutAsync(key, new MemoryStream("first version"u8.ToArray()), "text/plain", Ct);
        await Store.PutAsync(key, new MemoryStream("second"u8.ToArray()), "text/csv", Ct);

        var stored = await Store.GetAsync(key, null, Ct);
        Assert.That(stored!.ContentType, Is.EqualTo("text/csv"));
        AssertSameBytes(await ReadAllAsync(stored), "second"u8, "overwritten object");
    }

    [Test]
    public async Task When_a_file_is_put_Should_round_trip_byte_exact()
    {
        var key = NewPrefix() + "artifact.zip";
        var bytes = Random(PartSize + 777, seed: 3);
        var path = Path.Combine(Path.GetTempPath(), $"narwhal-{Guid.NewGuid():N}.zip");
        await File.WriteAllBytesAsync(path, bytes, Ct);
        try
        {
            await Store.PutFileAsync(key, path, "application/zip", Ct);
        }
        finally
        {
            File.Delete(path);
        }

        var stored = await Store.GetAsync(key, null, Ct);
        Assert.That(stored!.ContentType, Is.EqualTo("application/zip"));
        AssertSameBytes(await ReadAllAsync(stored), bytes, "file");
    }

    [Test]
    public void When_the_file_does_not_exist_Should_throw_FileNotFoundException()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"narwhal-missing-{Guid.NewGuid():N}");
        Assert.That(async () => await Store.PutFileAsync(NewPrefix() + "x", missing, "text/plain", Ct),
            Throws.InstanceOf<FileNotFoundException>());
    }

    [Test]
    public async Task When_the_bucket_is_ensured_again_Should_be_a_no_op_that_keeps_the_objects()
    {
        var key = NewPrefix() + "survivor";
        await PutTextAsync(key, "still here");

        await Store.EnsureBucketAsync(Ct);
        await Store.EnsureBucketAsync(Ct);

        var stored = await Store.GetAsync(key, null, Ct);
        Assert.That(stored, Is.Not.Null);
        TestContent.AssertSameBytes(await TestContent.ReadAllAsync(stored!), "still here"u8, "object after EnsureBucket");
    }
}
