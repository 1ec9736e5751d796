namespace Narwhal.Runner.Docker;

/// <summary>
/// What a job step needs from a container, independent of Docker's wire format
/// (<see cref="DockerContainerConfig"/> maps it). There is deliberately no way to mount
/// host paths or raise privileges: job code is untrusted.
/// </summary>
public sealed record ContainerSpec
{
    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    /// <summary>Container name; unique on the engine.</summary>
    public required string Name { get; init; }

    public required string Image { get; init; }

    /// <summary>The command (Docker's Cmd), e.g. <c>["/bin/sh", "-c", "echo hi"]</c>.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>Null keeps the image's entrypoint.</summary>
    public IReadOnlyList<string>? Entrypoint { get; init; }

    public IReadOnlyDictionary<string, string> Environment { get; init; } = Empty;

    public IReadOnlyDictionary<string, string> Labels { get; init; } = Empty;

    /// <summary>Null keeps the image's working directory.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Null keeps the image's user.</summary>
    public string? User { get; init; }

    /// <summary>Memory limit in bytes (swap included); 0 = unlimited.</summary>
    public long MemoryBytes { get; init; }

    /// <summary>CPU limit in units of 1e-9 CPUs; 0 = unlimited.</summary>
    public long NanoCpus { get; init; }

    /// <summary>Maximum number of processes; 0 = unlimited.</summary>
    public long PidsLimit { get; init; }

    /// <summary>
    /// Run the engine's init (tini) as PID 1: it forwards SIGTERM to the command, which a shell as
    /// PID 1 would ignore, so stopping a job (abort, timeout) takes effect at once instead of after
    /// the whole stop grace; it also reaps zombie processes.
    /// </summary>
    public bool Init { get; init; }

    /// <summary>"bridge", "none", a user-defined network name, …; null = engine default (bridge).</summary>
    public string? NetworkMode { get; init; }

    /// <summary>
    /// Extra names other containers on the same network resolve to this one (besides its
    /// <see cref="Name"/>), e.g. <c>["postgres", "db"]</c> for a service sidecar. Only on a
    /// user-defined network: <see cref="NetworkMode"/> must name it (the run's network).
    /// </summary>
    public IReadOnlyList<string>? NetworkAliases { get; init; }

    /// <summary>The container's own host name (what <c>hostname</c> prints inside); null = the engine's default (the short id).</summary>
    public string? Hostname { get; init; }
}
