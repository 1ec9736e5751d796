using System.Formats.Tar;
using System.Runtime.Versioning;
using System.Text;
using Narwhal.Runner.Git;
using Narwhal.Runner.Tests.Git.Support;
using Narwhal.Testing.Git;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Git;

/// <summary>The workspace as a tar stream, and single files read from a commit.</summary>
[TestFixture]
[UnsupportedOSPlatform("windows")] // file modes and symlinks of the upstream
public sealed class GitMirrorCacheArchive_Specs : GitCacheTestBase
{
    private static readonly string LongPath = string.Join('/', Enumerable.Repeat("a-rather-long-folder-name", 6)) + "/file.txt";

    private UpstreamRepository _upstream = null!;
    private string _sha = null!;

    [SetUp]
    public async Task CommitAWorkspace()
    {
        _upstream = NewUpstream();
        Directory.CreateDirectory(Path.Combine(_upstream.Directory, "src"));
        File.WriteAllText(Path.Combine(_upstream.Directory, "src/build.sh"), "#!/bin/sh\necho build\n");
        File.SetUnixFileMode(Path.Combine(_upstream.Directory, "src/build.sh"), (UnixFileMode)0b111_101_101);
        _upstream.Commit("workspace",
            ("README.md", "# readme\n"),
            ("tests/unit.txt", "excluded from release tarballs, not from CI"),
            ("VERSION", "$Format:%H$\n"),
            (".gitattributes", "tests export-ignore\nVERSION export-subst\n"),
            (".narwhal.yml", "steps:\n  - run: make\n"),
            (LongPath, "deep"));
        File.CreateSymbolicLink(Path.Combine(_upstream.Directory, "docs-link"), "README.md");
        File.CreateSymbolicLink(Path.Combine(_upstream.Directory, "escape-link"), "../../etc/passwd");
        _sha = _upstream.Commit("links");
        await Cache.FetchAsync(_upstream.FileUrl, "main", null, null, Deadline);
    }

    [Test]
    public async Task When_archiving_a_commit_Should_stream_every_file_of_its_tree()
    {
        var entries = await ArchiveAsync(uid: null, gid: null);

        Assert.Multiple(() =>
        {
            Assert.That(entries.Keys, Is.SupersetOf(new[] { "README.md", "src/build.sh", "tests/unit.txt", "VERSION", ".narwhal.yml", LongPath, "docs-link" }));
            Assert.That(entries["README.md"].Content, Is.EqualTo("# readme\n"));
            Assert.That(entries["VERSION"].Content, Is.EqualTo("$Format:%H$\n"), "export-subst is not applied");
            Assert.That(entries["tests/unit.txt"].Type, Is.EqualTo(TarEntryType.RegularFile), "export-ignore is not applied");
            Assert.That(entries["src/build.sh"].Mode & UnixFileMode.UserExecute, Is.EqualTo(UnixFileMode.UserExecute));
            Assert.That(entries["docs-link"].Type, Is.EqualTo(TarEntryType.SymbolicLink));
            Assert.That(entries["docs-link"].LinkName, Is.EqualTo("README.md"));
            Assert.That(entries[LongPath].Content, Is.EqualTo("deep"));
            Assert.That(entries.Values.Select(entry => (entry.Uid, entry.Gid)), Is.All.EqualTo((0, 0)));
        });
    }

    [Test]
    public async Task When_a_uid_and_gid_are_given_Should_own_every_entry_by_them()
    {
        var entries = await ArchiveAsync(uid: 1000, gid: 1001);

        Assert.Multiple(() =>
        {
            Assert.That(entries.Values.Select(entry => (entry.Uid, entry.Gid)), Is.All.EqualTo((1000, 1001)));
            Assert.That(entries.Values.Select(entry => entry.UserName), Is.All.Empty, "git's 'root' would contradict the id");
            Assert.That(entries["README.md"].Content, Is.EqualTo("# readme\n"));
            Assert.That(entries[LongPath].Content, Is.EqualTo("deep"));
            Assert.That(entries["src/build.sh"].Mode & UnixFileMode.UserExecute, Is.EqualTo(UnixFileMode.UserExecute));
            Assert.That(entries["docs-link"].LinkName, Is.EqualTo("README.md"));
        });
    }

    [Test]
    public async Task When_a_large_file_is_rewritten_to_a_forward_only_stream_Should_arrive_intact()
    {
        var big = string.Concat(Enumerable.Range(0, 200_000).Select(i => $"{i:D7}\n")); // 1.6 MB
        var sha = _upstream.Commit("big", ("big.txt", big));
        await Cache.FetchAsync(_upstream.FileUrl, "main", null, null, Deadline);
        using var buffer = new MemoryStream();

        await Cache.WriteArchiveAsync(_upstream.FileUrl, sha, new ForwardOnlyStream(buffer), 1000, 1000, Deadline);

        buffer.Position = 0;
        var entries = await ReadTarAsync(buffer);
        Assert.That(entries["big.txt"].Content, Is.EqualTo(big));
    }

    [Test]
    public async Task When_archiving_Should_leave_no_file_of_the_workspace_on_the_host()
    {
        await ArchiveAsync(uid: 1000, gid: 1000);

        Assert.That(Directory.EnumerateFiles(CacheDirectory, "README.md", SearchOption.AllDirectories), Is.Empty);
        Assert.That(Directory.EnumerateFiles(CacheDirectory, ".narwhal.yml", SearchOption.AllDirectories), Is.Empty);
    }

    [Test]
    public void When_the_commit_was_never_fetched_Should_throw_RefNotFound()
    {
        var error = Assert.ThrowsAsync<GitFetchException>(() =>
            Cache.WriteArchiveAsync(_upstream.FileUrl, "0123456789abcdef0123456789abcdef01234567", Stream.Null, null, null, Deadline))!;

        Assert.That(error.Failure, Is.EqualTo(GitFailure.RefNotFound));
        Assert.That(error.Message, Does.Contain("0123456789abcdef0123456789abcdef01234567"));
    }

    [Test]
    public async Task When_reading_a_file_that_exists_Should_return_its_content()
    {
        Assert.That(await Cache.ReadFileAsync(_upstream.FileUrl, _sha, ".narwhal.yml", Deadline), Is.EqualTo("steps:\n  - run: make\n"));
        Assert.That(await Cache.ReadFileAsync(_upstream.FileUrl, _sha, "./src/build.sh", Deadline), Does.StartWith("#!/bin/sh"));
        Assert.That(await Cache.ReadFileAsync(_upstream.FileUrl, _sha, "docs-link", Deadline), Is.EqualTo("# readme\n"), "in-tree symlinks are followed");
    }

    [TestCase("missing.yml")]
    [TestCase("src")]
    [TestCase("src/missing/deeper.txt")]
    [TestCase("escape-link")]
    public async Task When_reading_something_that_is_not_a_file_of_the_commit_Should_return_null(string path)
    {
        Assert.That(await Cache.ReadFileAsync(_upstream.FileUrl, _sha, path, Deadline), Is.Null);
    }

    [Test]
    public async Task When_the_file_is_over_the_size_limit_Should_throw_FileTooLarge()
    {
        var sha = _upstream.Commit("huge", (".narwhal.yml", new string('x', GitMirrorCache.MaxFileBytes + 1)));
        await Cache.FetchAsync(_upstream.FileUrl, "main", null, null, Deadline);

        var error = Assert.ThrowsAsync<GitFetchException>(() => Cache.ReadFileAsync(_upstream.FileUrl, sha, ".narwhal.yml", Deadline))!;

        Assert.That(error.Failure, Is.EqualTo(GitFailure.FileTooLarge));
        Assert.That(await Cache.ReadFileAsync(_upstream.FileUrl, sha, "README.md", Deadline), Is.EqualTo("# readme\n"), "the cache still works after the cut-off read");
    }

    [TestCase("../outside")]
    [TestCase("src/../../outside")]
    [TestCase("")]
    public void When_the_path_leaves_the_tree_Should_throw_ArgumentException(string path)
    {
        Assert.ThrowsAsync<ArgumentException>(() => Cache.ReadFileAsync(_upstream.FileUrl, _sha, path, Deadline));
    }

    private async Task<Dictionary<string, ArchivedEntry>> ArchiveAsync(int? uid, int? gid)
    {
        using var buffer = new MemoryStream();
        await Cache.WriteArchiveAsync(_upstream.FileUrl, _sha, buffer, uid, gid, Deadline);
        buffer.Position = 0;
        return await ReadTarAsync(buffer);
    }

    private static async Task<Dictionary<string, ArchivedEntry>> ReadTarAsync(Stream tar)
    {
        var entries = new Dictionary<string, ArchivedEntry>();
        await using var reader = new TarReader(tar);
        while (await reader.GetNextEntryAsync() is { } entry)
        {
            if (entry.EntryType == TarEntryType.GlobalExtendedAttributes) continue;
            var content = entry.DataStream is { } data ? await new StreamReader(data, Encoding.UTF8).ReadToEndAsync() : null;
            entries[entry.Name.TrimEnd('/')] = new ArchivedEntry(entry.EntryType, content, entry.Mode, entry.Uid, entry.Gid,
                (entry as PosixTarEntry)?.UserName ?? "", entry.LinkName);
        }
        return entries;
    }

    private sealed record ArchivedEntry(TarEntryType Type, string? Content, UnixFileMode Mode, int Uid, int Gid, string UserName, string LinkName);

    /// <summary>A destination like the Docker archive upload: write-only, no seeking, no length.</summary>
    private sealed class ForwardOnlyStream(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }
}
