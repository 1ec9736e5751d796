namespace Narwhal.Core.Storage;

/// <summary>
/// Bytes <see cref="From"/> to <see cref="To"/>, both inclusive and zero-based, like an HTTP
/// <c>Range: bytes=From-To</c>; <see cref="To"/> null means "to the end".
/// </summary>
public readonly record struct ByteRange(long From, long? To)
{
    /// <summary>Throws when the range cannot mean anything: negative start, or an end before the start.</summary>
    public void Validate()
    {
        if (From < 0)
            throw new ArgumentOutOfRangeException(nameof(From), From, "A byte range cannot start before byte 0.");
        if (To is { } to && to < From)
            throw new ArgumentOutOfRangeException(nameof(To), to, $"A byte range cannot end (byte {to}) before it starts (byte {From}).");
    }

    public override string ToString() => $"bytes={From}-{To}";
}
