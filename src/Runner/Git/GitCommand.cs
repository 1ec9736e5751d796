namespace Narwhal.Runner.Git;

/// <summary>One git invocation: arguments (never through a shell), extra environment, limits and how stdout is consumed.</summary>
internal sealed record GitCommand
{
    public required IReadOnlyList<string> Arguments { get; init; }

    /// <summary>Added to the cleaned environment (<see cref="GitRunner"/>); the only way a secret reaches git.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Kills the process tree after this long; null: only the caller's token bounds it.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Written to stdin, which is then closed. Stdin is always closed: git never waits on it.</summary>
    public string? StandardInput { get; init; }

    /// <summary>Consumes stdout as a byte stream (archive, cat-file); when null, stdout is collected as text.</summary>
    public Func<Stream, CancellationToken, Task>? ReadOutput { get; init; }
}

/// <summary>How a git process ended. Stdout is empty when <see cref="GitCommand.ReadOutput"/> consumed it; stderr is its tail.</summary>
internal sealed record GitResult(int ExitCode, string Output, string Error)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>A git process as started: what the tests see of every invocation (arguments exactly as passed).</summary>
internal sealed record GitInvocation(IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment, int ProcessId);
