namespace Narwhal.Cli;

/// <summary>
/// Exit codes. 0–6 mirror how a followed run (or step) ended; 10 and above are the CLI's own failures.
/// </summary>
public static class ExitCodes
{
    public const int Ok = 0;
    // A followed run (run --follow, logs --follow) ended with:
    public const int RunFailed = 1;
    public const int RunError = 2;
    public const int RunTimedOut = 3;
    public const int RunAborted = 4;
    public const int RunLost = 5;
    /// <summary>A step followed with --step was skipped (its needs did not allow it to run).</summary>
    public const int StepSkipped = 6;

    /// <summary>Wrong command line: unknown command or option, missing argument.</summary>
    public const int Usage = 10;
    /// <summary>The server could not be reached (refused, DNS, timeout, TLS).</summary>
    public const int Connection = 11;
    /// <summary>401 or 403: token missing, wrong, expired or without the scope.</summary>
    public const int Auth = 12;
    /// <summary>404: no such job or run.</summary>
    public const int NotFound = 13;
    /// <summary>Any other error answer of the API (400, 409, 422, 5xx…).</summary>
    public const int Api = 14;
    /// <summary>No server configured, or the config file is unreadable.</summary>
    public const int Config = 15;
    /// <summary>apply: the input files are invalid (YAML, a secret reference that cannot be resolved).</summary>
    public const int Input = 16;

    public static int ForRunStatus(string? status) => status switch
    {
        "succeeded" => Ok,
        "failed" => RunFailed,
        "error" => RunError,
        "timed_out" => RunTimedOut,
        "aborted" => RunAborted,
        "lost" => RunLost,
        "skipped" => StepSkipped,
        _ => RunError,
    };

    public const string Help = """
        Exit codes:
          0   success (for --follow: the run succeeded)
          1   the run failed (non-zero exit code)
          2   the run ended in error (could not be executed)
          3   the run timed out
          4   the run was aborted
          5   the run was lost (its Runner went away)
          6   the step followed with --step was skipped
          10  usage error (unknown command or option, missing argument)
          11  cannot reach the server
          12  not authorised (401/403)
          13  not found (404)
          14  other API error
          15  no server configured / bad config file
          16  apply: invalid input file (YAML error, unresolvable secret reference)
        """;
}

/// <summary>A failure the CLI reports as one line on stderr with an exit code.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    /// <summary>The HTTP status of the API's error answer it reports, if it reports one.</summary>
    public int? HttpStatus { get; init; }

    public static CliException Usage(string message) => new(ExitCodes.Usage, message);
}
