namespace Narwhal.Core.Logs;

/// <summary>A piece of a running run's console output, at its byte offset in the whole log.</summary>
public sealed record LogChunk(long Offset, byte[] Data)
{
    public long End => Offset + Data.Length;
}
