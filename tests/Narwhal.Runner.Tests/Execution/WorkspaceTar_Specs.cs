using System.Formats.Tar;
using System.Text;
using Narwhal.Runner.Execution;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Execution;

/// <summary>The streaming tar rewrites the workspace and build contexts go through.</summary>
[TestFixture]
public sealed class WorkspaceTar_Specs
{
    private static MemoryStream Tar(params (string Name, string? Content)[] entries)
    {
        var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                var entry = new PaxTarEntry(content is null ? TarEntryType.Directory : TarEntryType.RegularFile, name) { Uid = 0, Gid = 0 };
                if (content is not null) entry.DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content));
                writer.WriteEntry(entry);
            }
        }
        stream.Position = 0;
        return stream;
    }

    private static List<(string Name, string? Content, int Uid)> Read(Stream stream)
    {
        stream.Position = 0;
        var result = new List<(string, string?, int)>();
        using var reader = new TarReader(stream);
        while (reader.GetNextEntry() is { } entry)
            result.Add((entry.Name, entry.DataStream is null ? null : new StreamReader(entry.DataStream).ReadToEnd(), entry.Uid));
        return result;
    }

    [Test]
    public async Task When_prefixing_Should_put_every_entry_under_the_prefix_owned_by_the_user()
    {
        var output = new MemoryStream();
        await WorkspaceTar.PrefixAsync(Tar(("src/", null), ("src/a.txt", "A"), ("b.txt", "B")), output, "workspace", 1000, 1000, CancellationToken.None);

        var entries = Read(output);
        Assert.That(entries.Select(e => e.Name), Is.EqualTo(new[] { "workspace/", "workspace/src/", "workspace/src/a.txt", "workspace/b.txt" }));
        Assert.That(entries[0].Uid, Is.EqualTo(1000));
        Assert.That(entries.Single(e => e.Name == "workspace/src/a.txt").Content, Is.EqualTo("A"));
    }

    [Test]
    public async Task When_extracting_a_context_Should_keep_only_its_files_rooted_at_it()
    {
        var output = new MemoryStream();
        await WorkspaceTar.ExtractContextAsync(Tar(("docker/", null), ("docker/Dockerfile", "FROM x"), ("other.txt", "O")), output, "docker", CancellationToken.None);

        Assert.That(Read(output).Select(e => (e.Name, e.Content)), Is.EqualTo(new[] { ("Dockerfile", (string?)"FROM x") }));
    }

    [Test]
    public async Task When_the_same_content_is_extracted_twice_Should_give_the_same_fingerprint_and_another_for_other_content()
    {
        var a = await WorkspaceTar.ExtractContextAsync(Tar(("f", "1")), new MemoryStream(), ".", CancellationToken.None);
        var b = await WorkspaceTar.ExtractContextAsync(Tar(("f", "1")), new MemoryStream(), ".", CancellationToken.None);
        var c = await WorkspaceTar.ExtractContextAsync(Tar(("f", "2")), new MemoryStream(), ".", CancellationToken.None);

        Assert.That(a, Is.EqualTo(b));
        Assert.That(a, Is.Not.EqualTo(c));
    }

    [Test]
    public void When_the_context_directory_does_not_exist_Should_refuse_the_run()
    {
        Assert.ThrowsAsync<RunRefusedException>(() => WorkspaceTar.ExtractContextAsync(Tar(("f", "1")), new MemoryStream(), "missing", CancellationToken.None));
    }
}

/// <summary>The same rewrites on what git really produces.</summary>
[TestFixture]
public sealed class WorkspaceTarFromGit_Specs
{
    [Test]
    public async Task When_a_real_commit_is_prefixed_through_pipes_Should_arrive_whole()
    {
        var root = Directory.CreateTempSubdirectory("narwhal-wstar-").FullName;
        try
        {
            var repo = Narwhal.Testing.Git.UpstreamRepository.Create(root, "r");
            repo.Commit("c", ("a.txt", "A"), ("dir/b.txt", "B"), ("dir/sub/c.txt", "C"));
            var cache = new Narwhal.Runner.Git.GitMirrorCache(Path.Combine(root, "cache"),
                Microsoft.Extensions.Logging.Abstractions.NullLogger<Narwhal.Runner.Git.GitMirrorCache>.Instance, allowLocalRepositories: true);
            var sha = await cache.FetchAsync(repo.FileUrl, "main", null, null, CancellationToken.None);

            await using var archive = WorkspaceTar.Produce((s, t) => cache.WriteArchiveAsync(repo.FileUrl, sha, s, 1000, 1000, t), CancellationToken.None);
            await using var prefixed = WorkspaceTar.Produce((s, t) => WorkspaceTar.PrefixAsync(archive, s, "workspace", 1000, 1000, t), CancellationToken.None);
            var output = new MemoryStream();
            await prefixed.CopyToAsync(output);
            output.Position = 0;
            var names = new List<string>();
            using var reader = new TarReader(output);
            while (reader.GetNextEntry() is { } entry) names.Add(entry.Name);

            Assert.That(names, Does.Contain("workspace/a.txt").And.Contain("workspace/dir/sub/c.txt"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
