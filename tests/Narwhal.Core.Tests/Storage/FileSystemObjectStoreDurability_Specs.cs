using System.Security.Cryptography;
using Narwhal.Core.Storage;
using NUnit.Framework;
using static Narwhal.Core.Tests.Storage.TestContent;

namespace Narwhal.Core.Tests.Storage;

/// <summary>
/// What <see cref="FileSystemObjectStore"/> adds to the contract: atomic replacement under
/// concurrent readers and writers, metadata that lives with the file, the on-disk layout, and
/// a tidy tree after failures and deletes.
/// </summary>
[TestFixture]
public sealed class FileSystemObjectStoreDurability_Specs : FileSystemStoreFixture
{
    /// <summary>One version of an object as a reader identifies it: ETag, length and SHA-256 of the bytes read.</summary>
    private sealed record Version(string? ETag, long Length, string Sha256);

    private static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));

    private async Task<Version> ReadVersionAsync(string key)
    {
        await using var stored = await Store.GetAsync(key, null, Ct) ?? throw new AssertionException($"{key} is missing");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[256 * 1024];
        long length = 0;
        int read;
        while ((read = await stored.Content.ReadAsync(buffer, Ct)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            length += read;
        }
        Assert.That(length, Is.EqualTo(stored.Length), "bytes read vs Length");
        return new Version(stored.ETag, length, Convert.ToHexString(hash.GetHashAndReset()));
    }

    /// <summary>The version <paramref name="bytes"/> become when stored (under a scratch key: the ETag depends on the bytes only).</summary>
    private async Task<Version> VersionOfAsync(byte[] bytes)
    {
        var scratch = $"scratch/{Guid.NewGuid():N}";
        await Store.PutAsync(scratch, new MemoryStream(bytes), "application/octet-stream", Ct);
        var etag = (await Store.StatAsync(scratch, Ct))!.ETag;
        await Store.DeleteAsync(scratch, Ct);
        return new Version(etag, bytes.Length, Sha256(bytes));
    }

    [Test]
    public async Task When_a_20_MiB_object_is_overwritten_while_read_Should_every_read_get_the_old_or_the_new_version_whole()
    {
        const string key = "runs/1/artifact.tar";
        var oldBytes = Random(20 * MiB, seed: 21);
        var newBytes = Random(20 * MiB, seed: 22);
        var versions = new[] { await VersionOfAsync(oldBytes), await VersionOfAsync(newBytes) };
        await Store.PutAsync(key, new MemoryStream(oldBytes), "application/x-tar", Ct);

        // Six replacements through a pipe-like stream (small reads), so each write takes a while;
        // two readers read the whole object over and over until the writer is done.
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < 6; i++)
                await Store.PutAsync(key, new NonSeekableStream(i % 2 == 0 ? newBytes : oldBytes, maxRead: 64 * 1024), "application/x-tar", Ct);
        });
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            var seen = new List<Version>();
            while (!writer.IsCompleted) seen.Add(await ReadVersionAsync(key));
            return seen;
        })).ToArray();
        await writer;
        var reads = (await Task.WhenAll(readers)).SelectMany(r => r).ToList();

        Assert.That(reads, Has.Count.GreaterThanOrEqualTo(4), "reads overlapping the writes");
        Assert.That(reads, Has.All.AnyOf(versions[0], versions[1]), "each read is one whole version, with that version's ETag");
        TestContext.Out.WriteLine($"{reads.Count} reads: {reads.Count(r => r == versions[0])} old, {reads.Count(r => r == versions[1])} new");
        Assert.That(await ReadVersionAsync(key), Is.EqualTo(versions[0]), "the last write (old bytes again) wins");
    }

    [Test]
    public async Task When_writers_race_on_one_key_Should_the_last_win_whole_with_its_own_content_type_and_etag()
    {
        const string key = "runs/2/result.bin";
        var contents = Enumerable.Range(0, 4).Select(i => Random(2 * MiB + i, seed: 100 + i)).ToArray();
        var versions = new List<Version>();
        foreach (var bytes in contents) versions.Add(await VersionOfAsync(bytes));

        await Task.WhenAll(Enumerable.Range(0, contents.Length).Select(writer => Task.Run(async () =>
        {
            for (var round = 0; round < 3; round++)
                await Store.PutAsync(key, new NonSeekableStream(contents[writer], maxRead: 32 * 1024), $"application/x-writer-{writer}", Ct);
        })));

        var final = await ReadVersionAsync(key);
        var winner = versions.IndexOf(final);
        Assert.That(winner, Is.Not.Negative, "the object is one writer's bytes with that writer's ETag");
        Assert.That((await Store.StatAsync(key, Ct))!.ContentType, Is.EqualTo($"application/x-writer-{winner}"), "and that writer's content type");
        Assert.That(Directory.GetFiles(Path.Combine(Root, "runs", "2")).Select(Path.GetFileName),
            Is.EqualTo(new[] { "result.bin%obj" }), "no temporary file left behind");
    }

    [Test]
    public async Task When_the_content_fails_mid_upload_Should_keep_the_previous_version_and_no_temporary_file()
    {
        const string key = "runs/3/log";
        var first = Random(1000, seed: 5);
        await Store.PutAsync(key, new MemoryStream(first), "text/plain", Ct);
        var before = await Store.StatAsync(key, Ct);

        Assert.That(async () => await Store.PutAsync(key, new FailingStream(Random(3 * MiB, seed: 6), failAfter: 2 * MiB), "text/plain", Ct),
            Throws.InstanceOf<IOException>().With.Message.EqualTo(FailingStream.Failure));

        Assert.That(await Store.StatAsync(key, Ct), Is.EqualTo(before));
        AssertSameBytes(await ReadAllAsync((await Store.GetAsync(key, null, Ct))!), first, "previous version");
        Assert.That(Directory.GetFiles(Path.Combine(Root, "runs", "3")).Select(Path.GetFileName), Is.EqualTo(new[] { "log%obj" }));
    }

    [Test]
    public async Task When_another_store_instance_opens_the_same_root_Should_see_the_same_objects_and_metadata()
    {
        await Store.PutAsync("runs/4/junit.xml", new MemoryStream("<testsuites/>"u8.ToArray()), "application/xml", Ct);
        await Store.PutAsync("runs/4/log/000001", new MemoryStream(Random(5000)), "text/plain; charset=utf-8", Ct);
        var written = new[] { await Store.StatAsync("runs/4/junit.xml", Ct), await Store.StatAsync("runs/4/log/000001", Ct) };

        var reopened = OpenStore();

        var read = new[] { await reopened.StatAsync("runs/4/junit.xml", Ct), await reopened.StatAsync("runs/4/log/000001", Ct) };
        Assert.That(read, Is.EqualTo(written), "size, ETag, content type and time");
        var listed = new List<ObjectInfo>();
        await foreach (var info in reopened.ListAsync("runs/4/", Ct)) listed.Add(info);
        Assert.That(listed, Is.EqualTo(written.Select(i => i! with { ContentType = null })));
        await using var stored = (await reopened.GetAsync("runs/4/junit.xml", null, Ct))!;
        Assert.That((stored.ContentType, stored.ETag, stored.LastModified), Is.EqualTo((written[0]!.ContentType, written[0]!.ETag, written[0]!.LastModified)));
    }

    [Test]
    public async Task When_an_object_is_stored_Should_be_a_plain_file_of_its_bytes_at_the_documented_path()
    {
        await Store.PutAsync("runs/42/log/000001", new MemoryStream("step 1\n"u8.ToArray()), "text/plain", Ct);
        await Store.PutAsync("runs/42/100%/done", new MemoryStream("x"u8.ToArray()), "text/plain", Ct);

        Assert.That(File.ReadAllText(Path.Combine(Root, "runs", "42", "log", "000001%obj")), Is.EqualTo("step 1\n"));
        Assert.That(File.Exists(Path.Combine(Root, "runs", "42", "100%25", "done%obj")), "'%' is written %25");
    }

    [Test]
    public async Task When_an_object_file_has_lost_its_metadata_Should_say_so_rather_than_guess()
    {
        // What a copy without extended attributes leaves behind.
        File.WriteAllText(Path.Combine(Root, "copied%obj"), "bytes without metadata");

        Assert.That(async () => await Store.GetAsync("copied", null, Ct), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("extended attribute"));
        Assert.That(async () => await Store.StatAsync("copied", Ct), Throws.InstanceOf<InvalidDataException>());
        Assert.That(async () => await Store.DeletePrefixAsync("c", Ct), Throws.Nothing, "it can still be deleted");
        Assert.That(File.Exists(Path.Combine(Root, "copied%obj")), Is.False);
    }

    [Test]
    public async Task When_objects_are_deleted_Should_the_directories_they_leave_empty_go_too()
    {
        foreach (var key in new[] { "runs/5/log/000001", "runs/5/log/000002", "runs/5/results/junit.xml", "runs/6/log/000001", "top" })
            await Store.PutAsync(key, new MemoryStream("x"u8.ToArray()), "text/plain", Ct);

        await Store.DeletePrefixAsync("runs/5/", Ct);
        Assert.That(Entries(), Is.EqualTo(new[] { "outside", "root", "root/runs", "root/runs/6", "root/runs/6/log", "root/runs/6/log/000001%obj", "root/top%obj" }));

        await Store.DeleteAsync("runs/6/log/000001", Ct);
        await Store.DeleteAsync("top", Ct);
        Assert.That(Entries(), Is.EqualTo(new[] { "outside", "root" }), "the root itself stays");
    }

    [Test]
    public async Task When_the_root_is_missing_Should_every_call_but_EnsureBucket_throw_until_EnsureBucket_creates_it()
    {
        var store = OpenStore(Path.Combine(SandboxDirectory, "not-yet"));
        Assert.Multiple(() =>
        {
            Assert.That(async () => await store.PutAsync("k", new MemoryStream(), "text/plain", Ct), Throws.InstanceOf<DirectoryNotFoundException>(), "put");
            Assert.That(async () => await store.GetAsync("k", null, Ct), Throws.InstanceOf<DirectoryNotFoundException>(), "get");
            Assert.That(async () => await store.StatAsync("k", Ct), Throws.InstanceOf<DirectoryNotFoundException>(), "stat");
            Assert.That(async () => await store.ListAsync("", Ct).GetAsyncEnumerator(Ct).MoveNextAsync(), Throws.InstanceOf<DirectoryNotFoundException>(), "list");
            Assert.That(async () => await store.DeleteAsync("k", Ct), Throws.InstanceOf<DirectoryNotFoundException>(), "delete");
        });

        await store.EnsureBucketAsync(Ct);
        await store.EnsureBucketAsync(Ct);
        await store.PutAsync("k", new MemoryStream("x"u8.ToArray()), "text/plain", Ct);

        Assert.That((await store.StatAsync("k", Ct))?.Size, Is.EqualTo(1));
        Assert.That(Directory.GetFileSystemEntries(store.RootDirectory).Select(Path.GetFileName), Is.EqualTo(new[] { "k%obj" }), "no probe file left");
    }

    /// <summary>Hands out its bytes until <paramref name="failAfter"/>, then fails like a dropped connection.</summary>
    private sealed class FailingStream(byte[] data, int failAfter) : Stream
    {
        public const string Failure = "connection dropped mid-upload";
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= failAfter) throw new IOException(Failure);
            var n = Math.Min(Math.Min(count, failAfter - _position), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer.AsSpan(offset));
            _position += n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
