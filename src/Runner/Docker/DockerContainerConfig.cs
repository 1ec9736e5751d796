using Docker.DotNet.Models;

namespace Narwhal.Runner.Docker;

/// <summary>
/// Pure mapping from <see cref="ContainerSpec"/> to Docker.DotNet's <see cref="CreateContainerParameters"/>
/// (<c>POST /containers/create</c>). No I/O, so the security defaults are unit-tested without an engine.
/// </summary>
/// <remarks>
/// Job code is untrusted. Whatever the spec says, the container is unprivileged, cannot gain
/// privileges (setuid binaries do nothing), keeps only the capabilities ordinary builds use, and
/// sees no host path: the mapping has no way to express binds or mounts.
/// </remarks>
public static class DockerContainerConfig
{
    /// <summary>
    /// Added back after dropping all capabilities: what package managers, compilers and test
    /// suites running as root inside the container routinely need, and nothing that reaches
    /// beyond it. Docker's default set additionally grants MKNOD, NET_RAW (raw sockets,
    /// spoofing on the bridge), SETPCAP, SETFCAP, SYS_CHROOT and AUDIT_WRITE, none of which a build needs.
    /// </summary>
    public static readonly IReadOnlyList<string> AddedCapabilities =
    [
        "CHOWN",            // chown files it created (tar extraction, package installs)
        "DAC_OVERRIDE",     // root reads/writes files regardless of their mode bits, as builds running as root expect
        "FOWNER",           // chmod/utime on files owned by another user (e.g. unpacked archives)
        "FSETID",           // keep setgid bits when chowning/writing (preserving file modes on copy)
        "SETGID",           // switch group: su, sudo, package maintainer scripts dropping to a service user
        "SETUID",           // switch user: same
        "KILL",             // signal processes of other users in the container (test runners killing workers)
        "NET_BIND_SERVICE", // bind ports below 1024 (a test web server on :80)
    ];

    /// <summary>no-new-privileges: execve never grants more than the caller had (setuid/setcap binaries are inert).</summary>
    public static readonly IReadOnlyList<string> SecurityOptions = ["no-new-privileges"];

    /// <summary>The create call's parameters for <paramref name="spec"/>, the container's name included.</summary>
    public static CreateContainerParameters ToCreateParameters(ContainerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (string.IsNullOrWhiteSpace(spec.Image)) throw new ArgumentException("The image must be set.", nameof(spec));

        return new CreateContainerParameters
        {
            Name = spec.Name,
            Image = spec.Image,
            Cmd = [.. spec.Command],
            Entrypoint = spec.Entrypoint is null ? null : [.. spec.Entrypoint], // null keeps the image's
            Env = [.. spec.Environment.Select(EnvEntry)],
            Labels = new Dictionary<string, string>(spec.Labels),
            Tty = false,          // no TTY: output stays multiplexed, stdout and stderr apart
            OpenStdin = false,
            StdinOnce = false,
            AttachStdin = false,
            AttachStdout = true,
            AttachStderr = true,
            // Empty strings are the engine's "unset": the image's defaults stay.
            WorkingDir = spec.WorkingDirectory ?? "",
            User = spec.User ?? "",
            Hostname = spec.Hostname ?? "",
            HostConfig = HostConfig(spec),
            NetworkingConfig = spec.NetworkAliases is { Count: > 0 } ? NetworkingConfig(spec) : null,
        };
    }

    /// <summary>
    /// The network mode names a user-defined network (not bridge, host, none, default or
    /// container:…): the only kind where the engine resolves names and aliases between containers.
    /// </summary>
    public static bool IsUserDefinedNetwork(string? networkMode) =>
        !string.IsNullOrWhiteSpace(networkMode)
        && networkMode is not ("bridge" or "host" or "none" or "default")
        && !networkMode.StartsWith("container:", StringComparison.Ordinal);

    private static HostConfig HostConfig(ContainerSpec spec)
    {
        if (spec.MemoryBytes < 0 || spec.NanoCpus < 0 || spec.PidsLimit < 0)
            throw new ArgumentException("Resource limits must be 0 (unlimited) or positive.", nameof(spec));
        return new HostConfig
        {
            Privileged = false,
            SecurityOpt = [.. SecurityOptions],
            CapDrop = ["ALL"],
            CapAdd = [.. AddedCapabilities],
            AutoRemove = false,   // the Runner removes the container itself, after reading the logs and the exit code
            PublishAllPorts = false,
            // 0 is the engine's "unlimited".
            Memory = spec.MemoryBytes,
            MemorySwap = spec.MemoryBytes, // memory + swap = memory: swap cannot bypass the limit
            NanoCPUs = spec.NanoCpus,
            PidsLimit = spec.PidsLimit > 0 ? spec.PidsLimit : null,
            Init = spec.Init ? true : null,
            NetworkMode = spec.NetworkMode ?? "",
        };
    }

    /// <summary>Aliases live on the container's endpoint in the network it is created on.</summary>
    private static NetworkingConfig NetworkingConfig(ContainerSpec spec)
    {
        if (!IsUserDefinedNetwork(spec.NetworkMode))
            throw new ArgumentException(
                $"Network aliases need a user-defined network as the network mode (got '{spec.NetworkMode ?? "(engine default)"}').", nameof(spec));
        if (spec.NetworkAliases!.Any(string.IsNullOrWhiteSpace))
            throw new ArgumentException("A network alias must not be empty.", nameof(spec));
        return new NetworkingConfig
        {
            EndpointsConfig = new Dictionary<string, EndpointSettings>
            {
                [spec.NetworkMode!] = new EndpointSettings { Aliases = [.. spec.NetworkAliases!] },
            },
        };
    }

    private static string EnvEntry(KeyValuePair<string, string> variable)
    {
        if (variable.Key.Length == 0 || variable.Key.Contains('=') || variable.Key.Contains('\0'))
            throw new ArgumentException($"Invalid environment variable name '{variable.Key}'.");
        return $"{variable.Key}={variable.Value}";
    }
}
