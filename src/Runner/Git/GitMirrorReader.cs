using System.Text;

namespace Narwhal.Runner.Git;

/// <summary>
/// Reading a fetched commit out of its mirror for <see cref="GitMirrorCache"/>: the workspace as a
/// tar stream, or one file. Each read holds the mirror's read lock, so eviction skips a mirror being read.
/// </summary>
internal sealed class GitMirrorReader(string cacheDirectory, bool allowLocalRepositories, GitRunner git)
{
    private const int MaxFileBytes = GitMirrorCache.MaxFileBytes;

    /// <summary>Streams <c>git archive</c> of the commit, owners rewritten when asked (see <see cref="GitMirrorCache.WriteArchiveAsync"/>).</summary>
    public async Task WriteArchiveAsync(string url, string commitSha, Stream destination, int? uid, int? gid, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var (remote, mirror, sha) = ReadTarget(url, commitSha);
        using (await MirrorLocks.AcquireReadAsync(mirror, ct).ConfigureAwait(false))
        {
            await RequireCommitAsync(mirror, remote, sha, ct).ConfigureAwait(false);
            mirror.Touch();
            var command = Command(mirror, "archive", "--format=tar", sha) with
            {
                ReadOutput = uid is null && gid is null
                    ? (tar, token) => tar.CopyToAsync(destination, token)
                    : (tar, token) => TarOwnership.RewriteAsync(tar, destination, uid, gid, token),
            };
            var result = await git.RunAsync(command, ct).ConfigureAwait(false);
            if (!result.Succeeded)
                throw new GitFetchException(GitFailure.Failed, $"git archive of commit {sha} from {remote} failed: {GitSecretScrubber.Scrub(GitErrors.Summary(result.Error))}");
            await destination.FlushAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>One file at the commit through <c>git cat-file --batch --follow-symlinks</c> (see <see cref="GitMirrorCache.ReadFileAsync"/>).</summary>
    public async Task<string?> ReadFileAsync(string url, string commitSha, string path, CancellationToken ct)
    {
        var (remote, mirror, sha) = ReadTarget(url, commitSha);
        var treePath = GitRefNames.TreePath(path) ?? throw new ArgumentException($"'{path}' is not a path inside a repository.", nameof(path));
        using (await MirrorLocks.AcquireReadAsync(mirror, ct).ConfigureAwait(false))
        {
            await RequireCommitAsync(mirror, remote, sha, ct).ConfigureAwait(false);
            mirror.Touch();
            string? content = null;
            var command = Command(mirror, "cat-file", "--batch", "--follow-symlinks") with
            {
                StandardInput = $"{sha}:{treePath}\n",
                ReadOutput = async (output, token) => content = await ReadBlobAsync(output, treePath, sha, token).ConfigureAwait(false),
            };
            var result = await git.RunAsync(command, ct).ConfigureAwait(false);
            if (!result.Succeeded)
                throw new GitFetchException(GitFailure.Failed, $"Reading '{treePath}' at {sha} from {remote} failed: {GitSecretScrubber.Scrub(GitErrors.Summary(result.Error))}");
            return content;
        }
    }

    /// <summary>The commit's whole message (<c>git log -1 --format=%B</c>), at most <see cref="MaxFileBytes"/> of it.</summary>
    public async Task<string> ReadMessageAsync(string url, string commitSha, CancellationToken ct)
    {
        var message = await RunOnCommitsAsync(url, [commitSha], shas => ["log", "-1", "--format=%B", shas[0]], "Reading the message of", null, ct)
            .ConfigureAwait(false);
        return message.Length > MaxFileBytes ? message[..MaxFileBytes] : message;
    }

    /// <summary>
    /// The paths that differ between <paramref name="baseSha"/> and <paramref name="headSha"/>, both fetched: from
    /// their merge base, as a pull request shows its files (<c>git diff --name-only base...head</c>).
    /// </summary>
    public async Task<IReadOnlyList<string>> ChangedPathsAsync(string url, string baseSha, string headSha, CancellationToken ct)
    {
        var paths = await RunOnCommitsAsync(url, [baseSha, headSha],
            shas => ["-c", "core.quotePath=false", "diff", "--name-only", "--no-renames", $"{shas[0]}...{shas[1]}"], "Comparing", null, ct)
            .ConfigureAwait(false);
        return paths.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The object id of a file at the commit (see <see cref="GitMirrorCache.FileIdAsync"/>), read without its content.</summary>
    public async Task<string?> FileIdAsync(string url, string commitSha, string path, CancellationToken ct)
    {
        var treePath = GitRefNames.TreePath(path) ?? throw new ArgumentException($"'{path}' is not a path inside a repository.", nameof(path));
        var answer = await RunOnCommitsAsync(url, [commitSha], _ => ["cat-file", "--batch-check", "--follow-symlinks"], $"Reading '{treePath}' at",
            shas => $"{shas[0]}:{treePath}\n", ct).ConfigureAwait(false);
        return answer.Trim().Split(' ') is [var id, "blob", _] ? id : null;
    }

    /// <summary>
    /// One git command on the mirror holding the commits, under its read lock, once each commit is known to be there:
    /// its output, or a <see cref="GitFetchException"/> naming <paramref name="what"/> and the commits.
    /// </summary>
    private async Task<string> RunOnCommitsAsync(string url, string[] commitShas, Func<string[], string[]> arguments, string what,
        Func<string[], string>? input, CancellationToken ct)
    {
        var targets = commitShas.Select(sha => ReadTarget(url, sha)).ToList();
        var (remote, mirror, _) = targets[0];
        var shas = targets.Select(t => t.Sha).ToArray();
        using (await MirrorLocks.AcquireReadAsync(mirror, ct).ConfigureAwait(false))
        {
            foreach (var sha in shas) await RequireCommitAsync(mirror, remote, sha, ct).ConfigureAwait(false);
            mirror.Touch();
            var result = await git.RunAsync(Command(mirror, arguments(shas)) with { StandardInput = input?.Invoke(shas) }, ct).ConfigureAwait(false);
            if (!result.Succeeded)
                throw new GitFetchException(GitFailure.Failed,
                    $"{what} {string.Join(" and ", shas)} from {remote} failed: {GitSecretScrubber.Scrub(GitErrors.Summary(result.Error))}");
            return result.Output;
        }
    }

    /// <summary>
    /// One answer of <c>git cat-file --batch --follow-symlinks</c>: "&lt;oid&gt; blob &lt;size&gt;\n&lt;content&gt;\n"
    /// for a file; "&lt;name&gt; missing", "symlink …", "dangling …", "loop …", "notdir …" or a non-blob type otherwise.
    /// </summary>
    private static async Task<string?> ReadBlobAsync(Stream output, string treePath, string sha, CancellationToken ct)
    {
        var header = await ReadLineAsync(output, ct).ConfigureAwait(false);
        var fields = header.Split(' ');
        if (fields is not [_, "blob", var sizeText] || !long.TryParse(sizeText, out var size)) return null;
        if (size > MaxFileBytes)
            throw new GitFetchException(GitFailure.FileTooLarge, $"'{treePath}' at {sha} is larger than {MaxFileBytes / 1024} KiB ({size} bytes).");
        var content = new byte[size];
        await output.ReadExactlyAsync(content, ct).ConfigureAwait(false);
        return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetString(content).TrimStart('\uFEFF');
    }

    private static async Task<string> ReadLineAsync(Stream stream, CancellationToken ct)
    {
        var line = new List<byte>(128);
        var one = new byte[1];
        while (line.Count < 64 * 1024 && await stream.ReadAsync(one, ct).ConfigureAwait(false) == 1 && one[0] != (byte)'\n')
            line.Add(one[0]);
        return Encoding.UTF8.GetString(line.ToArray());
    }

    private (GitRemote Remote, MirrorDirectory Mirror, string Sha) ReadTarget(string url, string commitSha)
    {
        if (!GitRefNames.IsFullSha(commitSha))
            throw new ArgumentException($"'{commitSha}' is not a full 40-hex commit id (use the one FetchAsync returned).", nameof(commitSha));
        var remote = GitRemote.Parse(url, allowLocalRepositories);
        return (remote, MirrorDirectory.For(cacheDirectory, remote.MirrorName), commitSha.ToLowerInvariant());
    }

    private async Task RequireCommitAsync(MirrorDirectory mirror, GitRemote remote, string sha, CancellationToken ct)
    {
        if (!await HasCommitAsync(mirror, sha, ct).ConfigureAwait(false))
            throw new GitFetchException(GitFailure.RefNotFound, $"Commit {sha} of {remote} is not in the Runner's mirror: fetch it first (or the mirror was evicted).");
    }

    /// <summary>Whether the mirror holds the commit (commits never change, so one there needs no fetch).</summary>
    public async Task<bool> HasCommitAsync(MirrorDirectory mirror, string sha, CancellationToken ct) =>
        mirror.Exists && (await git.RunAsync(Command(mirror, "cat-file", "-e", $"{sha}^{{commit}}"), ct).ConfigureAwait(false)).Succeeded;

    /// <summary>A git command on the mirror's repository.</summary>
    public static GitCommand Command(MirrorDirectory mirror, params string[] arguments) =>
        new() { Arguments = ["--git-dir", mirror.GitDirectory, .. arguments] };
}
