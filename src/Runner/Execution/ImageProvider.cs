using Narwhal.Core.Configuration;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Git;

namespace Narwhal.Runner.Execution;

/// <summary>
/// Gives a container its image: a ready one (local, or pulled when a registry is reachable), or one
/// built from the repository's own Dockerfile. Builds are cached by content: the tag is a hash of
/// the Dockerfile path, the build arguments and the context's files (names, modes, contents — not
/// times), so an unchanged context at a new commit reuses the image built before.
/// </summary>
public sealed class ImageProvider(IContainerEngine engine, GitMirrorCache git, InstanceSettings instance, ILogger<ImageProvider> logger)
{
    public const string BuildHashLabel = "org.narwhal.build-hash";
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _lastUsed = new(StringComparer.Ordinal);

    /// <summary>When this Runner last used one of these tags (for least-recently-used eviction); null if never since start.</summary>
    public DateTimeOffset? LastUsed(IEnumerable<string> tags) =>
        tags.Select(t => _lastUsed.TryGetValue(t, out var at) ? at : (DateTimeOffset?)null).Max();
    public const string CacheLabel = "org.narwhal.cache";

    public async Task<string> ProvideAsync(ImageSource source, WorkspaceSource? workspace, LogSpool log, CancellationToken ct)
    {
        if (source.Image is { } image)
        {
            await engine.EnsureImageAsync(image, ct);
            return image;
        }

        var build = source.Build!;
        if (workspace is null) throw new RunRefusedException("Only jobs from a repository can build their image.");

        // The Dockerfile is named from the repository root (docker build -f); one outside the
        // context is read from the commit and sent inside the context's tar, as the docker CLI does.
        var dockerfileInContext = build.DockerfileInContext();
        var outsideDockerfile = dockerfileInContext is not null ? null
            : await git.ReadFileAsync(workspace.Url, workspace.CommitSha, build.Dockerfile, ct)
              ?? throw new RunRefusedException($"The Dockerfile '{build.Dockerfile}' does not exist at commit {workspace.CommitSha} ('dockerfile' is relative to the repository root, not to the context '{build.Context}').");

        // The context is fingerprinted while it is copied to a temporary file (deleted at once):
        // the tag must be known before deciding whether to build at all.
        var contextFile = Path.GetTempFileName();
        var withDockerfile = outsideDockerfile is null ? null : Path.GetTempFileName();
        try
        {
            string contextHash;
            await using (var file = File.Create(contextFile))
            await using (var archive = WorkspaceTar.Produce((s, t) => git.WriteArchiveAsync(workspace.Url, workspace.CommitSha, s, null, null, t), ct))
                // Normalised: the archive's names carry no "./" and no "..", so "./docker/" must read as "docker".
                contextHash = await WorkspaceTar.ExtractContextAsync(archive, file, JobConfigs.RepoPaths.Normalize(build.Context), ct);

            var fingerprint = Fingerprint(contextHash, build, outsideDockerfile);
            var tag = $"narwhal-build/{instance.Name}:{fingerprint[..32]}";
            _lastUsed[tag] = DateTimeOffset.UtcNow;
            if (await engine.ImageExistsAsync(tag, ct))
            {
                await log.WriteNoticeAsync($"Using the image built before for {build.Dockerfile} (unchanged context): {tag}");
                return tag;
            }

            if (outsideDockerfile is not null)
            {
                dockerfileInContext = OutsideDockerfileName(fingerprint);
                await AddToContextAsync(contextFile, withDockerfile!, dockerfileInContext, outsideDockerfile, ct);
            }

            await log.WriteNoticeAsync($"Building {build.Dockerfile} (context {build.Context}) as {tag}");
            await using var context = File.OpenRead(withDockerfile ?? contextFile);
            var result = await engine.BuildImageAsync(new ImageBuildRequest
            {
                ContextTar = context,
                Dockerfile = dockerfileInContext!,
                BuildArgs = build.Args,
                Tag = tag,
                Labels = new Dictionary<string, string>
                {
                    [RunLabels.Instance] = instance.Name,
                    [BuildHashLabel] = fingerprint,
                    [CacheLabel] = "true",
                },
            }, (line, token) => log.WriteAsync(System.Text.Encoding.UTF8.GetBytes(line), token), ct);
            if (!result.Success)
                throw new RunRefusedException($"Building {build.Dockerfile} failed: {result.Error}");
            logger.LogInformation("Built image {Tag}", tag);
            return tag;
        }
        finally
        {
            File.Delete(contextFile);
            if (withDockerfile is not null) File.Delete(withDockerfile);
        }
    }

    /// <summary>A name no file of the context has in practice, and the same for the same build (so the engine's layer cache still applies).</summary>
    private static string OutsideDockerfileName(string fingerprint) => $".narwhal-dockerfile-{fingerprint[..16]}";

    /// <summary>Copies the context's tar to <paramref name="destination"/> with the Dockerfile added last (so it wins over a same-named file).</summary>
    private static async Task AddToContextAsync(string contextTar, string destination, string name, string dockerfile, CancellationToken ct)
    {
        await using var source = File.OpenRead(contextTar);
        await using var output = File.Create(destination);
        await using var reader = new System.Formats.Tar.TarReader(source);
        await using var writer = new System.Formats.Tar.TarWriter(output, System.Formats.Tar.TarEntryFormat.Pax, leaveOpen: true);
        while (await reader.GetNextEntryAsync(copyData: false, ct) is { } entry)
            if (entry.Name != name) await writer.WriteEntryAsync(entry, ct);
        var content = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(dockerfile));
        await writer.WriteEntryAsync(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, name)
        {
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            ModificationTime = DateTimeOffset.UnixEpoch,
            DataStream = content,
        }, ct);
    }

    /// <param name="outsideDockerfile">The Dockerfile's text when it lies outside the context (and so is not in its hash).</param>
    private static string Fingerprint(string contextHash, JobConfigs.BuildConfig build, string? outsideDockerfile)
    {
        var text = new System.Text.StringBuilder().Append(contextHash).Append('\n').Append(build.Dockerfile).Append('\n');
        if (outsideDockerfile is not null) text.Append(outsideDockerfile).Append('\n');
        foreach (var (k, v) in build.Args.OrderBy(kv => kv.Key, StringComparer.Ordinal)) text.Append(k).Append('=').Append(v).Append('\n');
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString())));
    }
}
