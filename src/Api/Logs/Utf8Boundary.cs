namespace Narwhal.Api.Logs;

public static class Utf8Boundary
{
    /// <summary>
    /// How many leading bytes end on a complete UTF-8 character: a live log is cut anywhere, and
    /// an event must not end in half a character (the rest follows in the next one).
    /// </summary>
    public static int CompletePrefixLength(ReadOnlySpan<byte> bytes)
    {
        // Look back at most 3 bytes for the lead byte of a possibly unfinished sequence.
        for (var back = 1; back <= Math.Min(3, bytes.Length); back++)
        {
            var b = bytes[^back];
            if ((b & 0b1100_0000) == 0b1000_0000) continue; // continuation byte
            var needed = (b & 0b1000_0000) == 0 ? 1 : (b & 0b1110_0000) == 0b1100_0000 ? 2 : (b & 0b1111_0000) == 0b1110_0000 ? 3 : (b & 0b1111_1000) == 0b1111_0000 ? 4 : 1;
            return needed > back ? bytes.Length - back : bytes.Length;
        }
        return bytes.Length;
    }
}
