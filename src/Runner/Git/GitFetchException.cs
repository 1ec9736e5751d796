namespace Narwhal.Runner.Git;

/// <summary>
/// A git fetch, archive or read failed. The message names the ref and the repository URL and
/// quotes git's own error, scrubbed of anything that looks like a credential (<see cref="GitSecretScrubber"/>).
/// </summary>
public sealed class GitFetchException(GitFailure failure, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    public GitFailure Failure { get; } = failure;

    /// <summary>True when trying again later may succeed (network trouble, time limit).</summary>
    public bool IsTransient => Failure is GitFailure.Unreachable or GitFailure.Timeout;
}
