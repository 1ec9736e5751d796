using System.Text;
using System.Text.RegularExpressions;
using Narwhal.Runner.Execution;
using Narwhal.Runner.Git;
using Narwhal.Runner.JobConfigs;

namespace Narwhal.Runner.Caches;

/// <summary>
/// Resolves a cache key template at the run's commit: a checksum is the file's git object id (git's hash of its
/// content, read from the Runner's mirror without reading the file), the branch is the run's with characters a
/// key does not take replaced by '-'. A checksum of a file the commit lacks is the config's mistake: the run is
/// refused naming it, as a secret the job does not have is, rather than silently sharing one "missing" key.
/// </summary>
public sealed partial class CacheKeys(GitMirrorCache git)
{
    [GeneratedRegex(@"[^A-Za-z0-9._-]")]
    private static partial Regex NotKeyCharacter();

    public async Task<string> ResolveAsync(string template, WorkspaceSource workspace, string? branch, CancellationToken ct)
    {
        var (parts, problem) = CacheKeyTemplate.Parse(template);
        // The parser checked the template when the config was read; a recorded step carries what it checked.
        if (problem is not null) throw new RunRefusedException($"Cache key '{template}': {problem}.");
        var key = new StringBuilder();
        foreach (var part in parts)
        {
            key.Append(part switch
            {
                CacheKeyText text => text.Value,
                CacheKeyBranch => NotKeyCharacter().Replace(branch ?? "none", "-"),
                CacheKeyChecksum checksum => await ChecksumAsync(template, checksum.Path, workspace, ct),
                _ => throw new InvalidOperationException($"Unknown cache key part {part}."),
            });
        }
        return key.ToString();
    }

    private async Task<string> ChecksumAsync(string template, string path, WorkspaceSource workspace, CancellationToken ct)
    {
        string? id;
        try
        {
            id = await git.FileIdAsync(workspace.Url, workspace.CommitSha, RepoPaths.Normalize(path), ct);
        }
        catch (GitFetchException ex)
        {
            throw new RunRefusedException($"Cache key '{template}': {ex.Message}", ex);
        }
        return id ?? throw new RunRefusedException(
            $"Cache key '{template}' takes the checksum of '{path}', which is not a file at commit {workspace.CommitSha}.");
    }
}
