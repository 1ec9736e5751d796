namespace Narwhal.Runner.Git;

/// <summary>Why a git operation failed; <see cref="GitErrors"/> derives it from git's messages.</summary>
public enum GitFailure
{
    /// <summary>The request itself is unusable: malformed URL, branch name or commit id, or a scheme not allowed.</summary>
    InvalidRequest,
    /// <summary>The server answered that the repository does not exist (or hides it from these credentials).</summary>
    RepositoryNotFound,
    /// <summary>Credentials missing or refused.</summary>
    AuthenticationFailed,
    /// <summary>The branch or commit is not in the repository.</summary>
    RefNotFound,
    /// <summary>The server could not be reached or the connection broke: worth a retry.</summary>
    Unreachable,
    /// <summary>The fetch ran past its time limit: worth a retry.</summary>
    Timeout,
    /// <summary>A file read from a commit is over the size cap.</summary>
    FileTooLarge,
    /// <summary>Anything else git reported.</summary>
    Failed,
}
