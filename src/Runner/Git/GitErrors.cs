namespace Narwhal.Runner.Git;

/// <summary>
/// Reads git's error output. The one place that matches git's messages: git has no error codes
/// beyond exit status 128, so the text is all there is. Git runs with <c>LC_ALL=C</c> (see
/// <see cref="GitRunner"/>), so these are the English messages of git 2.x.
/// </summary>
/// <remarks>
/// Checked in this order; the first row that matches wins.
/// <code>
/// git says (substring)                                           transport      becomes
/// -------------------------------------------------------------  -------------  --------------------
/// "Authentication failed"                                        http(s)        AuthenticationFailed
/// "could not read Username" / "could not read Password"          http(s)        AuthenticationFailed  (401, no credentials, prompts off)
/// "Permission denied (publickey" / "Host key verification"       ssh            AuthenticationFailed
/// "returned error: 401" / "returned error: 403" / "Access denied" http(s)       AuthenticationFailed
/// "Repository not found" / "repository '…' not found"            any            RepositoryNotFound
/// "does not appear to be a git repository"                       file, ssh      RepositoryNotFound
/// "couldn't find remote ref"                                     any            RefNotFound  (branch missing)
/// "not our ref" / "unadvertised object"                          any            RefNotFound  (commit missing, or fetch by id refused)
/// "Could not resolve host" / "Could not resolve hostname"        http, ssh      Unreachable
/// "Failed to connect" / "Connection refused" / "… timed out"     any            Unreachable
/// "Connection reset" / "Network is unreachable"                  any            Unreachable
/// "remote end hung up" / "early EOF" / "RPC failed"              any            Unreachable
/// "returned error: 5" (HTTP 5xx)                                 http(s)        Unreachable
/// anything else                                                                 Failed
/// </code>
/// Apart from the table: "cannot lock ref" (<see cref="IsLocalRefConflict"/>) is the mirror's own ref clash, repaired by the caller.
/// </remarks>
internal static class GitErrors
{
    private static readonly (string Text, GitFailure Failure)[] Table =
    [
        ("Authentication failed", GitFailure.AuthenticationFailed),
        ("could not read Username", GitFailure.AuthenticationFailed),
        ("could not read Password", GitFailure.AuthenticationFailed),
        ("Permission denied (publickey", GitFailure.AuthenticationFailed),
        ("Host key verification failed", GitFailure.AuthenticationFailed),
        ("returned error: 401", GitFailure.AuthenticationFailed),
        ("returned error: 403", GitFailure.AuthenticationFailed),
        ("Access denied", GitFailure.AuthenticationFailed),
        ("Repository not found", GitFailure.RepositoryNotFound),
        ("' not found", GitFailure.RepositoryNotFound),
        ("does not appear to be a git repository", GitFailure.RepositoryNotFound),
        ("couldn't find remote ref", GitFailure.RefNotFound),
        ("not our ref", GitFailure.RefNotFound),
        ("unadvertised object", GitFailure.RefNotFound),
        ("Could not resolve host", GitFailure.Unreachable),
        ("Failed to connect", GitFailure.Unreachable),
        ("Connection refused", GitFailure.Unreachable),
        ("Connection timed out", GitFailure.Unreachable),
        ("Operation timed out", GitFailure.Unreachable),
        ("Connection reset", GitFailure.Unreachable),
        ("Network is unreachable", GitFailure.Unreachable),
        ("remote end hung up", GitFailure.Unreachable),
        ("early EOF", GitFailure.Unreachable),
        ("RPC failed", GitFailure.Unreachable),
        ("returned error: 5", GitFailure.Unreachable),
    ];

    public static GitFailure Classify(string standardError)
    {
        foreach (var (text, failure) in Table)
            if (standardError.Contains(text, StringComparison.OrdinalIgnoreCase))
                return failure;
        return GitFailure.Failed;
    }

    /// <summary>
    /// A ref update refused because of the mirror's own refs, not the server: "cannot lock ref
    /// 'refs/heads/a/b': 'refs/heads/a' exists" when a branch deleted upstream nests with a new one.
    /// </summary>
    public static bool IsLocalRefConflict(string standardError) =>
        standardError.Contains("cannot lock ref", StringComparison.OrdinalIgnoreCase);

    /// <summary>The last few lines of git's error output: where the reason is; earlier lines are progress and hints.</summary>
    public static string Summary(string standardError, int maxLines = 6)
    {
        var lines = standardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var summary = string.Join(" | ", lines.TakeLast(maxLines));
        return summary.Length == 0 ? "(no error output)" : summary;
    }
}
