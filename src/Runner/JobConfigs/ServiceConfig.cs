using System.Collections.ObjectModel;

namespace Narwhal.Runner.JobConfigs;

/// <summary>A sidecar container the script talks to (a database, a queue…). Exactly one of <see cref="Image"/> and <see cref="Build"/> is set.</summary>
public sealed record ServiceConfig
{
    public static readonly TimeSpan DefaultReadyTimeout = TimeSpan.FromSeconds(60);

    public string? Image { get; init; }

    public BuildConfig? Build { get; init; }

    public IReadOnlyDictionary<string, string> Env { get; init; } = ReadOnlyDictionary<string, string>.Empty;

    /// <summary>
    /// The container's command as argv; null keeps the image's. A command written as one string in
    /// the file arrives here as <c>["/bin/sh", "-c", "that string"]</c>.
    /// </summary>
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>A shell command run inside the service container until it exits 0; null means ready once started.</summary>
    public string? Ready { get; init; }

    /// <summary>How long <see cref="Ready"/> may keep failing before the run fails.</summary>
    public TimeSpan ReadyTimeout { get; init; } = DefaultReadyTimeout;
}
