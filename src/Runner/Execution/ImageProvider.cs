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

        // The context is fingerprinted while it is copied to a temporary file (deleted at once):
        // the tag must be known before deciding whether to build at all.
        var contextFile = Path.GetTempFileName();
        try
        {
            string contextHash;
            await using (var file = File.Create(contextFile))
            await using (var archive = WorkspaceTar.Produce((s, t) => git.WriteArchiveAsync(workspace.Url, workspace.CommitSha, s, null, null, t), ct))
                contextHash = await WorkspaceTar.ExtractContextAsync(archive, file, build.Context, ct);

            var fingerprint = Fingerprint(contextHash, build);
            var tag = $"narwhal-build/{instance.Name}:{fingerprint[..32]}";
            _lastUsed[tag] = DateTimeOffset.UtcNow;
            if (await engine.ImageExistsAsync(tag, ct))
            {
                await log.WriteNoticeAsync($"Using the image built before for {build.Dockerfile} (unchanged context): {tag}");
                return tag;
            }

            await log.WriteNoticeAsync($"Building {build.Dockerfile} (context {build.Context}) as {tag}");
            await using var context = File.OpenRead(contextFile);
            var result = await engine.BuildImageAsync(new ImageBuildRequest
            {
                ContextTar = context,
                Dockerfile = build.Dockerfile,
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
        }
    }

    private static string Fingerprint(string contextHash, JobConfigs.BuildConfig build)
    {
        var text = new System.Text.StringBuilder().Append(contextHash).Append('\n').Append(build.Dockerfile).Append('\n');
        foreach (var (k, v) in build.Args.OrderBy(kv => kv.Key, StringComparer.Ordinal)) text.Append(k).Append('=').Append(v).Append('\n');
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString())));
    }
}
