using Narwhal.Core.Storage;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Storage;

/// <summary>Test data and byte-level assertions for the object store tests.</summary>
internal static class TestContent
{
    public const int MiB = 1024 * 1024;

    /// <summary>Reproducible random bytes: a failure can be replayed.</summary>
    public static byte[] Random(int length, int seed = 7)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static async Task<byte[]> ReadAllAsync(StoredObject stored)
    {
        await using (stored)
        {
            using var copy = new MemoryStream();
            await stored.Content.CopyToAsync(copy);
            return copy.ToArray();
        }
    }

    /// <summary>Same length and same bytes; on failure names the first differing offset instead of dumping megabytes.</summary>
    public static void AssertSameBytes(ReadOnlySpan<byte> actual, ReadOnlySpan<byte> expected, string what)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length), $"{what}: length");
        var firstDifference = actual.CommonPrefixLength(expected);
        Assert.That(firstDifference, Is.EqualTo(expected.Length), $"{what}: first differing byte offset");
    }
}

/// <summary>
/// A read-only stream that cannot seek, has no length and hands out at most
/// <paramref name="maxRead"/> bytes per read: what a pipe or an HTTP request body looks like.
/// </summary>
internal sealed class NonSeekableStream(byte[] data, int maxRead = 64 * 1024) : Stream
{
    private int _position;

    public int ReadCalls { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ReadCalls++;
        var n = Math.Min(Math.Min(buffer.Length, maxRead), data.Length - _position);
        data.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
