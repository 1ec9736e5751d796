using System.Diagnostics;

namespace Narwhal.Runner.Git;

/// <summary>
/// The Runner's git cache: one bare mirror per repository URL in <c>cacheDirectory</c>, fetched
/// into on each run so a second run transfers only what changed. Fetching resolves the run's ref
/// (<see cref="FetchAsync"/>); the workspace leaves the mirror only as a tar stream
/// (<see cref="WriteArchiveAsync"/>), so nothing of it stays on the host. Eviction keeps the cache
/// under a size budget, least recently used first (<see cref="EvictAsync"/>).
/// Several Runner processes may share one cache directory (see <see cref="MirrorLocks"/>).
/// </summary>
/// <remarks>Fetching is this class's own; reading is <see cref="GitMirrorReader"/>'s, eviction <see cref="GitMirrorEvictor"/>'s.</remarks>
public sealed class GitMirrorCache
{
    public static readonly TimeSpan DefaultFetchTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Files larger than this are refused by <see cref="ReadFileAsync"/>. The file read is the job
    /// config, so its documented limit is the one: a second, larger one here made users meet two.
    /// </summary>
    public const int MaxFileBytes = JobConfigs.JobConfigParser.MaxFileBytes;

    private readonly string _cacheDirectory;
    private readonly ILogger<GitMirrorCache> _logger;
    private readonly TimeSpan _fetchTimeout;
    private readonly bool _allowLocalRepositories;
    private readonly MirrorLocks _locks = new();
    private readonly GitMirrorReader _reader;
    private readonly GitMirrorEvictor _evictor;
    private int _fetchCount;

    /// <param name="cacheDirectory">Created when missing.</param>
    /// <param name="logger">Where fetches, evictions and repairs are logged.</param>
    /// <param name="fetchTimeout">Limit of each <c>git fetch</c> process; default 10 minutes.</param>
    /// <param name="allowLocalRepositories">Accept <c>file://</c> URLs: for tests and single-user setups only.</param>
    public GitMirrorCache(string cacheDirectory, ILogger<GitMirrorCache> logger, TimeSpan? fetchTimeout = null, bool allowLocalRepositories = false)
    {
        _cacheDirectory = Path.GetFullPath(cacheDirectory);
        _logger = logger;
        _fetchTimeout = fetchTimeout ?? DefaultFetchTimeout;
        _allowLocalRepositories = allowLocalRepositories;
        Git = new GitRunner(logger);
        _reader = new GitMirrorReader(_cacheDirectory, allowLocalRepositories, Git);
        _evictor = new GitMirrorEvictor(_cacheDirectory, _locks, logger);
        Directory.CreateDirectory(_cacheDirectory);
    }

    /// <summary>How many <c>git fetch</c> processes ran (for tests).</summary>
    public int FetchCount => Volatile.Read(ref _fetchCount);

    internal GitRunner Git { get; }

    /// <summary>
    /// Fetches into the mirror of <paramref name="url"/> and resolves the ref: exactly one of
    /// <paramref name="branch"/> (its head at fetch time) or <paramref name="commitSha"/> (full id; must exist).
    /// Returns the full 40-hex sha. Throws <see cref="GitFetchException"/> naming the ref and URL.
    /// <paramref name="pullRequest"/>: the commit belongs to that pull request of the repository; GitHub's
    /// <c>refs/pull/N/head</c> brings a fork's commits when the server does not give a commit by id.
    /// </summary>
    public async Task<string> FetchAsync(string url, string? branch, string? commitSha, GitCredentials? credentials, CancellationToken ct,
        int? pullRequest = null)
    {
        if (pullRequest is <= 0) throw new ArgumentOutOfRangeException(nameof(pullRequest), pullRequest, "A pull request number is positive.");
        if (string.IsNullOrEmpty(branch) == string.IsNullOrEmpty(commitSha))
            throw new ArgumentException("Give exactly one of branch and commitSha.", nameof(branch));
        var remote = GitRemote.Parse(url, _allowLocalRepositories);
        if (branch is not null && !GitRefNames.IsValidBranch(GitRefNames.ShortBranch(branch)))
            throw new GitFetchException(GitFailure.InvalidRequest, $"Cannot fetch branch '{GitSecretScrubber.Scrub(branch)}' from {remote}: not a valid branch name.");
        if (commitSha is not null && !GitRefNames.IsFullSha(commitSha))
            throw new GitFetchException(GitFailure.InvalidRequest, $"Cannot fetch commit '{GitSecretScrubber.Scrub(commitSha)}' from {remote}: not a full 40-hex commit id.");

        var mirror = MirrorDirectory.For(_cacheDirectory, remote.MirrorName);
        var clock = Stopwatch.StartNew();
        using (await _locks.AcquireFetchAsync(mirror, ct).ConfigureAwait(false))
        {
            await EnsureMirrorAsync(mirror, remote, ct).ConfigureAwait(false);
            var sha = branch is not null
                ? await FetchBranchAsync(mirror, remote, GitRefNames.ShortBranch(branch), credentials, ct).ConfigureAwait(false)
                : await FetchCommitAsync(mirror, remote, commitSha!.ToLowerInvariant(), credentials, pullRequest, ct).ConfigureAwait(false);
            mirror.Touch();
            _logger.LogInformation("Fetched {Ref} of {Url}: {Sha} in {Elapsed} ms", branch ?? commitSha, remote.Url, sha, clock.ElapsedMilliseconds);
            return sha;
        }
    }

    /// <summary>
    /// Writes a tar of the commit's tree to <paramref name="destination"/>, streamed from
    /// <c>git archive</c> (nothing is written to disk). With <paramref name="uid"/> / <paramref name="gid"/>,
    /// every entry is owned by them (see <see cref="TarOwnership"/>); otherwise git's 0:0.
    /// The commit must have been fetched (<see cref="FetchAsync"/>). Every file of the commit is
    /// included: the repository's <c>export-ignore</c> / <c>export-subst</c> attributes are overridden.
    /// </summary>
    public Task WriteArchiveAsync(string url, string commitSha, Stream destination, int? uid, int? gid, CancellationToken ct) =>
        _reader.WriteArchiveAsync(url, commitSha, destination, uid, gid, ct);

    /// <summary>
    /// Reads one file at the commit (e.g. <c>.narwhal.yml</c>) as UTF-8; null when the path is absent,
    /// is a folder, or is a symlink leading out of the tree. In-tree symlinks are followed.
    /// Throws <see cref="GitFetchException"/> (<see cref="GitFailure.FileTooLarge"/>) over <see cref="MaxFileBytes"/>.
    /// </summary>
    public Task<string?> ReadFileAsync(string url, string commitSha, string path, CancellationToken ct) =>
        _reader.ReadFileAsync(url, commitSha, path, ct);

    /// <summary>The fetched commit's message: what <c>[skip ci]</c> is looked for in.</summary>
    public Task<string> ReadMessageAsync(string url, string commitSha, CancellationToken ct) =>
        _reader.ReadMessageAsync(url, commitSha, ct);

    /// <summary>The paths changed from the merge base of two fetched commits to the second: what <c>when.changes</c> matches.</summary>
    public Task<IReadOnlyList<string>> ChangedPathsAsync(string url, string baseSha, string headSha, CancellationToken ct) =>
        _reader.ChangedPathsAsync(url, baseSha, headSha, ct);

    /// <summary>
    /// The object id of one file at the commit: git's own hash of its content, so it changes exactly when the
    /// content does, whatever the file's size (a cache key's checksum). Null as for <see cref="ReadFileAsync"/>.
    /// </summary>
    public Task<string?> FileIdAsync(string url, string commitSha, string path, CancellationToken ct) =>
        _reader.FileIdAsync(url, commitSha, path, ct);

    /// <summary>
    /// Deletes mirrors, least recently used first (fetch, archive and file reads all count as use),
    /// until the cache's mirrors total at most <paramref name="budgetBytes"/>. Mirrors being fetched,
    /// read or evicted by anyone (this process or another sharing the directory) are skipped, so the
    /// budget may still be exceeded afterwards. Returns the bytes freed.
    /// </summary>
    public Task<long> EvictAsync(long budgetBytes, CancellationToken ct) => _evictor.EvictAsync(budgetBytes, ct);

    private async Task<string> FetchBranchAsync(MirrorDirectory mirror, GitRemote remote, string branch, GitCredentials? credentials, CancellationToken ct)
    {
        var what = $"branch '{branch}'";
        using (var session = GitCredentialSession.Create(credentials))
        {
            var fetch = await RunFetchAsync(mirror, remote, session, what, [$"+refs/heads/{branch}:refs/heads/{branch}"], ct).ConfigureAwait(false);
            if (!fetch.Succeeded && GitErrors.IsLocalRefConflict(fetch.Error))
            {
                // A branch deleted upstream but still in the mirror blocks one nesting with it (feature vs feature/x):
                // syncing all branches with --prune drops the stale one first.
                _logger.LogInformation("Branch '{Branch}' of {Url} clashes with a stale branch in the mirror; fetching all branches with pruning", branch, remote.Url);
                fetch = await RunFetchAsync(mirror, remote, session, what, ["--prune", "+refs/heads/*:refs/heads/*"], ct).ConfigureAwait(false);
            }
            if (!fetch.Succeeded) throw FetchFailed(fetch, session, what, remote);
        }
        var head = await Git.RunAsync(GitMirrorReader.Command(mirror, "rev-parse", "--verify", "--quiet", $"refs/heads/{branch}^{{commit}}"), ct).ConfigureAwait(false);
        if (!head.Succeeded || !GitRefNames.IsFullSha(head.Output.Trim()))
            throw new GitFetchException(GitFailure.RefNotFound, $"Fetching {what} from {remote} failed: {what} was not found.");
        return head.Output.Trim();
    }

    /// <summary>
    /// A commit already in the mirror needs no fetch (commits never change). Otherwise: by id (served
    /// with protocol v2, over HTTP, or with <c>uploadpack.allowReachableSHA1InWant</c>/<c>allowAnySHA1InWant</c>;
    /// protocol v0 over ssh, git or file serves only advertised tips), then, if refused or not brought,
    /// the pull request's head ref when the run comes from one (a fork's commits are on no branch of the
    /// repository), then all branches and tags.
    /// </summary>
    private async Task<string> FetchCommitAsync(MirrorDirectory mirror, GitRemote remote, string sha, GitCredentials? credentials,
        int? pullRequest, CancellationToken ct)
    {
        var what = $"commit {sha}";
        if (await HasCommitAsync(mirror, sha, ct).ConfigureAwait(false)) return sha;

        using var session = GitCredentialSession.Create(credentials);
        var byId = await RunFetchAsync(mirror, remote, session, what, [sha], ct).ConfigureAwait(false);
        if (!byId.Succeeded && GitErrors.Classify(byId.Error) is not (GitFailure.RefNotFound or GitFailure.Failed))
            throw FetchFailed(byId, session, what, remote); // no access, no server: fetching everything would fail the same way
        if (byId.Succeeded && await HasCommitAsync(mirror, sha, ct).ConfigureAwait(false)) return sha;

        if (pullRequest is { } number)
        {
            var head = $"refs/pull/{number}/head";
            _logger.LogInformation("{Url} did not give {Commit} by id; fetching {Ref}", remote.Url, sha, head);
            var pull = await RunFetchAsync(mirror, remote, session, what, [$"+{head}:{head}"], ct).ConfigureAwait(false);
            if (pull.Succeeded && await HasCommitAsync(mirror, sha, ct).ConfigureAwait(false)) return sha;
        }

        _logger.LogInformation("{Url} did not give {Commit} by id; fetching all branches and tags", remote.Url, sha);
        var all = await RunFetchAsync(mirror, remote, session, what, ["--prune", "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"], ct).ConfigureAwait(false);
        if (!all.Succeeded) throw FetchFailed(all, session, what, remote);
        if (await HasCommitAsync(mirror, sha, ct).ConfigureAwait(false)) return sha;
        throw new GitFetchException(GitFailure.RefNotFound, $"Commit {sha} was not found in {remote} (asked for it by id, then fetched all branches and tags).");
    }

    private async Task<GitResult> RunFetchAsync(MirrorDirectory mirror, GitRemote remote, GitCredentialSession session, string what,
        IReadOnlyList<string> refspecs, CancellationToken ct)
    {
        var environment = new Dictionary<string, string>(session.Environment)
        {
            ["GIT_ALLOW_PROTOCOL"] = GitRemote.AllowedProtocols(_allowLocalRepositories),
            ["GIT_PROTOCOL_FROM_USER"] = "0",
        };
        var command = new GitCommand
        {
            // credential.helper= empties the helper list: nothing stores or supplies credentials but this session.
            Arguments = ["-c", "credential.helper=", "--git-dir", mirror.GitDirectory, "fetch", "--quiet", "--no-tags", "origin", .. refspecs],
            Environment = environment,
            Timeout = _fetchTimeout,
        };
        Interlocked.Increment(ref _fetchCount);
        try
        {
            return await Git.RunAsync(command, ct).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            var limit = _fetchTimeout < TimeSpan.FromMinutes(1) ? $"{_fetchTimeout.TotalSeconds:0.#} s" : $"{_fetchTimeout.TotalMinutes:0.#} min";
            throw new GitFetchException(GitFailure.Timeout, $"Fetching {what} from {remote} took longer than {limit} and was stopped.", e);
        }
    }

    private GitFetchException FetchFailed(GitResult result, GitCredentialSession session, string what, GitRemote remote)
    {
        var failure = GitErrors.Classify(result.Error);
        var detail = GitSecretScrubber.Scrub(GitErrors.Summary(result.Error), session.Secrets);
        var reason = failure switch
        {
            GitFailure.RefNotFound => $"{what} was not found",
            GitFailure.AuthenticationFailed => "authentication failed (credentials missing or refused)",
            GitFailure.RepositoryNotFound => "the repository was not found",
            GitFailure.Unreachable => "the server could not be reached",
            _ => $"git exited with code {result.ExitCode}",
        };
        // The URL and ref were checked to hold no credentials (GitRemote, GitRefNames); git's own words are scrubbed.
        var message = $"Fetching {what} from {remote} failed: {reason}. git: {detail}";
        _logger.LogWarning("{Message}", message);
        return new GitFetchException(failure, message);
    }

    /// <summary>Creates the mirror when missing, in a staging folder renamed into place so a crash never leaves half a mirror.</summary>
    private async Task EnsureMirrorAsync(MirrorDirectory mirror, GitRemote remote, CancellationToken ct)
    {
        foreach (var leftover in mirror.Leftovers()) Directory.Delete(leftover, recursive: true);
        if (mirror.Exists)
        {
            RemoveStaleGitLocks(mirror);
            return;
        }
        if (Directory.Exists(mirror.GitDirectory)) Directory.Delete(mirror.GitDirectory, recursive: true);

        var staging = mirror.StagingDirectory();
        await RunOrThrowAsync(new GitCommand { Arguments = ["init", "--bare", "--quiet", staging] }, remote, ct).ConfigureAwait(false);
        (string Key, string Value)[] settings =
        [
            ("remote.origin.url", remote.Url),  // never holds credentials: GitRemote refuses URLs with them
            ("fetch.unpackLimit", "1"),         // always keep fetched packs: objects appear all at once, never half a commit
            ("gc.autoDetach", "false"),         // auto-gc runs inside the fetch, under the mirror's lock
            ("core.logAllRefUpdates", "false"),
        ];
        foreach (var (key, value) in settings)
            await RunOrThrowAsync(new GitCommand { Arguments = ["--git-dir", staging, "config", key, value] }, remote, ct).ConfigureAwait(false);
        // The workspace must hold every file of the commit: override export-ignore/export-subst from the repository's .gitattributes.
        await File.WriteAllTextAsync(Path.Combine(staging, "info", "attributes"), "* -export-ignore -export-subst\n", ct).ConfigureAwait(false);
        Directory.Move(staging, mirror.GitDirectory);
        _logger.LogInformation("Created mirror {Mirror} for {Url}", mirror.GitDirectory, remote.Url);
    }

    /// <summary>Lock files git leaves when killed mid-fetch block the next fetch; under our exclusive lock, any that exist are stale.</summary>
    private static void RemoveStaleGitLocks(MirrorDirectory mirror)
    {
        var stale = Directory.EnumerateFiles(mirror.GitDirectory, "*.lock")
            .Concat(Directory.EnumerateFiles(Path.Combine(mirror.GitDirectory, "refs"), "*.lock", SearchOption.AllDirectories));
        foreach (var file in stale) File.Delete(file);
    }

    private async Task RunOrThrowAsync(GitCommand command, GitRemote remote, CancellationToken ct)
    {
        var result = await Git.RunAsync(command, ct).ConfigureAwait(false);
        if (!result.Succeeded)
            throw new GitFetchException(GitFailure.Failed, $"Preparing the mirror of {remote} failed: {GitSecretScrubber.Scrub(GitErrors.Summary(result.Error))}");
    }

    private Task<bool> HasCommitAsync(MirrorDirectory mirror, string sha, CancellationToken ct) => _reader.HasCommitAsync(mirror, sha, ct);
}
