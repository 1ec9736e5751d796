using System.Buffers;
using System.Text;
using Narwhal.Runner.Masking;

namespace Narwhal.Runner.Tests.Masking;

/// <summary>Feeds text to a <see cref="SecretMasker"/> in given pieces and returns what came out.</summary>
internal static class MaskingHarness
{
    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static string Text(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>One write, then flush.</summary>
    public static string Mask(IEnumerable<string> secrets, string text) => Text(Mask(new SecretMasker(secrets), [Utf8(text)]));

    /// <summary>The chunks in order, then flush; returns the masked bytes.</summary>
    public static byte[] Mask(SecretMasker masker, IEnumerable<byte[]> chunks)
    {
        var output = new ArrayBufferWriter<byte>();
        foreach (var chunk in chunks) masker.Write(chunk, output);
        masker.Flush(output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Cuts <paramref name="bytes"/> at the given offsets (ascending; equal offsets give empty chunks).</summary>
    public static byte[][] Split(byte[] bytes, params int[] cuts)
    {
        var chunks = new List<byte[]>();
        var start = 0;
        foreach (var cut in cuts)
        {
            chunks.Add(bytes[start..cut]);
            start = cut;
        }
        chunks.Add(bytes[start..]);
        return [.. chunks];
    }

    /// <summary>Cuts <paramref name="bytes"/> into chunks of random lengths between 0 and <paramref name="maxLength"/>.</summary>
    public static IEnumerable<byte[]> RandomChunks(byte[] bytes, Random random, int maxLength)
    {
        for (var start = 0; start < bytes.Length;)
        {
            var length = Math.Min(random.Next(maxLength + 1), bytes.Length - start);
            yield return bytes[start..(start + length)];
            start += length;
        }
    }
}

/// <summary>
/// The obviously correct, slow definition the streaming masker must agree with: find every occurrence of every
/// encoded form anywhere in the whole input, merge occurrences that share a byte, write each run as the mask.
/// </summary>
internal static class ReferenceMasker
{
    public static byte[] Mask(byte[] input, IEnumerable<string> secrets)
    {
        var patterns = secrets.SelectMany(SecretMasker.EncodedForms).Select(MaskingHarness.Utf8).ToList();
        var occurrences = new List<(int Start, int End)>();
        foreach (var pattern in patterns)
        {
            for (var start = 0; start + pattern.Length <= input.Length; start++)
            {
                if (input.AsSpan(start, pattern.Length).SequenceEqual(pattern)) occurrences.Add((start, start + pattern.Length));
            }
        }

        var output = new List<byte>();
        var written = 0;
        var runs = new List<(int Start, int End)>();
        foreach (var occurrence in occurrences.OrderBy(occurrence => occurrence.Start))
        {
            if (runs.Count > 0 && occurrence.Start < runs[^1].End)
                runs[^1] = (runs[^1].Start, Math.Max(runs[^1].End, occurrence.End));
            else
                runs.Add(occurrence);
        }
        foreach (var (start, end) in runs)
        {
            output.AddRange(input[written..start]);
            output.AddRange(MaskingHarness.Utf8(SecretMasker.Mask));
            written = end;
        }
        output.AddRange(input[written..]);
        return [.. output];
    }
}
