namespace Narwhal.Runner.Docker;

/// <summary>
/// A piece of a container's output. <see cref="Data"/> is valid only during the callback that
/// receives it. <see cref="StartsEntry"/> is false for the second and later pieces of one Docker
/// log entry, which the socket may deliver in several pieces (each at most <see cref="DockerLogReader.MaxChunkBytes"/>).
/// </summary>
public readonly record struct LogFrame(LogStream Stream, ReadOnlyMemory<byte> Data, bool StartsEntry = true);

/// <summary>Which output a <see cref="LogFrame"/> came from; values are Docker's stream bytes.</summary>
public enum LogStream
{
    Stdout = 1,
    Stderr = 2,
}
