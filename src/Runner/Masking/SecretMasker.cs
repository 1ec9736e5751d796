using System.Buffers;
using System.Diagnostics;
using System.Text;
using Narwhal.Core.Logging;

namespace Narwhal.Runner.Masking;

/// <summary>
/// Replaces every secret value, and each of its encoded forms (<see cref="EncodedForms"/>), with
/// <see cref="Mask"/> in a stream of output bytes, also when an occurrence is split across writes:
/// the Docker log stream delivers arbitrary chunks. Nothing of a job's output may be stored or shown
/// before it has passed through here.
/// </summary>
/// <remarks>
/// <para><b>What is masked.</b> Every byte inside any occurrence of any pattern. Occurrences are found
/// leftmost-longest, and occurrences that overlap (share at least one byte, e.g. one secret a prefix of
/// another, or the end of one the start of the next) merge into one masked run, written as a single
/// <see cref="Mask"/>; so no byte of any occurrence escapes whichever way secrets overlap. Occurrences that
/// merely touch are masked separately (<c>******</c>).</para>
/// <para><b>Streaming.</b> An Aho–Corasick automaton (<see cref="PatternAutomaton"/>) reads each byte once.
/// Bytes are written out as soon as no pattern can still match through them: only a tail that is a
/// proper prefix of some pattern is held back, at most <see cref="LongestPatternLength"/> − 1 bytes
/// (<see cref="HeldBackBytes"/>), whatever the size of the log. A masked run is written once it can grow
/// no further; its bytes are never kept. <see cref="Flush"/> ends the stream and releases the tail.</para>
/// <para><b>Output.</b> Masked bytes go to an <see cref="IBufferWriter{T}"/> (a <c>Pipe</c>'s writer, an
/// <see cref="ArrayBufferWriter{T}"/>), which lets the caller decide on buffering and avoids a copy per write.</para>
/// <para><b>Limits.</b> See <see cref="SecretEncodings"/>: encoded forms other than those listed, and base64
/// line-wrapped in the middle of a secret inside a longer document, are not found. Not thread-safe: use
/// one instance per output stream. <see cref="MaskText"/> alone keeps no state and may be called from any thread.</para>
/// </remarks>
public sealed class SecretMasker : ITextMasker
{
    public const string Mask = "***";

    private static ReadOnlySpan<byte> MaskBytes => "***"u8;

    private readonly PatternAutomaton? automaton;
    private readonly byte[] held;
    private readonly List<(long From, long To)> pending = [];
    private int heldCount;
    private int state; // the automaton's state code
    private long position;
    private long emitted;

    /// <param name="secretValues">The job's secret values; those shorter than 6 characters are ignored
    /// (the API refuses them anyway), as are nulls and duplicates.</param>
    public SecretMasker(IEnumerable<string> secretValues)
    {
        ArgumentNullException.ThrowIfNull(secretValues);
        var patterns = new List<byte[]>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var form in secretValues.Where(value => value is not null).SelectMany(SecretEncodings.Forms))
        {
            var bytes = Encoding.UTF8.GetBytes(form);
            if (seen.Add(Convert.ToBase64String(bytes))) patterns.Add(bytes);
        }
        // Longest first, for diagnostics only: the automaton finds all patterns whatever their order.
        Patterns = [.. patterns.OrderByDescending(pattern => pattern.Length)];
        LongestPatternLength = patterns.Count == 0 ? 0 : Patterns[0].Length;
        automaton = patterns.Count == 0 ? null : PatternAutomaton.Build(Patterns);
        held = new byte[Math.Max(LongestPatternLength, 1)];
    }

    /// <summary>A fresh stream over the same patterns: the automaton is immutable and shared.</summary>
    private SecretMasker(SecretMasker patterns)
    {
        Patterns = patterns.Patterns;
        LongestPatternLength = patterns.LongestPatternLength;
        automaton = patterns.automaton;
        held = new byte[Math.Max(LongestPatternLength, 1)];
    }

    /// <summary>The number of distinct byte patterns (all secrets, all encoded forms).</summary>
    public int PatternCount => Patterns.Count;

    /// <summary>The length in bytes of the longest pattern; at most this minus one bytes are ever held back.</summary>
    public int LongestPatternLength { get; }

    /// <summary>The bytes received but not yet written because they could be the start of a secret.</summary>
    public int HeldBackBytes => heldCount;

    private IReadOnlyList<byte[]> Patterns { get; }

    /// <summary>A UTF-8 byte is never less than a character, so the longest pattern in bytes bounds it in characters.</summary>
    int ITextMasker.LongestMaskedLength => LongestPatternLength;

    /// <summary>
    /// Masks a whole piece of text at once (a test report's message, a log line): the same patterns and rules as the
    /// stream, on a stream of its own, so it leaves this instance's stream untouched and is safe from any thread.
    /// </summary>
    public string MaskText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (automaton is null || text.Length == 0) return text;
        var input = Encoding.UTF8.GetBytes(text);
        var output = new ArrayBufferWriter<byte>(input.Length);
        var pass = new SecretMasker(this);
        pass.Write(input, output);
        pass.Flush(output);
        // Unchanged: the original string, which also keeps anything UTF-8 could not carry (a lone surrogate).
        return output.WrittenSpan.SequenceEqual(input) ? text : Encoding.UTF8.GetString(output.WrittenSpan);
    }

    /// <summary>The forms of <paramref name="secret"/> that are masked (empty if it is shorter than 6 characters).</summary>
    public static IReadOnlyList<string> EncodedForms(string secret) => SecretEncodings.Forms(secret);

    /// <summary>
    /// Feeds the next chunk of the stream and writes to <paramref name="output"/> everything that can no
    /// longer be part of a secret, masked. Holds back at most <see cref="LongestPatternLength"/> − 1 bytes.
    /// </summary>
    public void Write(ReadOnlySpan<byte> chunk, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (automaton is null)
        {
            output.Write(chunk);
            return;
        }
        if (chunk.IsEmpty) return;

        var chunkStart = position;
        var heldStart = chunkStart - heldCount;
        var classes = automaton.ByteClass;
        var dense = automaton.Dense;
        var denseLimit = automaton.DenseLimit;
        var current = state;

        for (var index = 0; index < chunk.Length; index++)
        {
            var cls = classes[chunk[index]];
            var next = current < denseLimit ? dense[current + cls] : automaton.NextFromSparse(current, cls);
            current = next & PatternAutomaton.CodeMask;
            if (next < 0) OnMatch(chunkStart + index + 1, current, chunk, chunkStart, heldStart, output);
        }

        state = current;
        position = chunkStart + chunk.Length;

        // Everything before the live prefix is settled: write it, then keep only what is still open.
        var settled = position - automaton.Depth(current);
        WriteFinishedRuns(settled, chunk, chunkStart, heldStart, output);
        WriteRaw(pending.Count > 0 ? Math.Min(settled, pending[0].From) : settled, chunk, chunkStart, heldStart, output);
        var keepFrom = pending.Count > 0 && pending[0].From == emitted ? pending[0].To : emitted;
        Retain(keepFrom, chunk, chunkStart, heldStart);
    }

    /// <summary>
    /// Ends the stream: writes what was held back (masking any complete occurrence; an incomplete prefix
    /// of a secret is not a secret and is written as is) and resets the masker for a new stream.
    /// </summary>
    public void Flush(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (automaton is null) return;

        var heldStart = position - heldCount;
        WriteFinishedRuns(long.MaxValue, [], position, heldStart, output);
        WriteRaw(position, [], position, heldStart, output);

        pending.Clear();
        heldCount = 0;
        state = 0;
        position = 0;
        emitted = 0;
    }

    /// <summary>A pattern of length <c>LongestMatch(state)</c> ends at <paramref name="end"/>: mask it, merging overlaps.</summary>
    private void OnMatch(long end, int matchState, ReadOnlySpan<byte> chunk, long chunkStart, long heldStart, IBufferWriter<byte> output)
    {
        var start = end - automaton!.LongestMatch(matchState);
        WriteFinishedRuns(end - automaton.Depth(matchState), chunk, chunkStart, heldStart, output);

        var from = start;
        while (pending.Count > 0 && pending[^1].To > start)
        {
            from = Math.Min(from, pending[^1].From);
            pending.RemoveAt(pending.Count - 1);
        }
        Debug.Assert(from >= emitted, "a match never reaches back into written output");
        pending.Add((from, end));
    }

    /// <summary>Writes the masked runs that end at or before <paramref name="settled"/>: no later match can reach them.</summary>
    private void WriteFinishedRuns(long settled, ReadOnlySpan<byte> chunk, long chunkStart, long heldStart, IBufferWriter<byte> output)
    {
        var finished = 0;
        while (finished < pending.Count && pending[finished].To <= settled)
        {
            WriteRaw(pending[finished].From, chunk, chunkStart, heldStart, output);
            output.Write(MaskBytes);
            emitted = pending[finished].To;
            finished++;
        }
        if (finished > 0) pending.RemoveRange(0, finished);
    }

    /// <summary>Writes the unmasked bytes from <see cref="emitted"/> up to <paramref name="to"/>, from the held tail and the chunk.</summary>
    private void WriteRaw(long to, ReadOnlySpan<byte> chunk, long chunkStart, long heldStart, IBufferWriter<byte> output)
    {
        var from = emitted;
        if (from >= to) return;
        Debug.Assert(from >= heldStart, "unmasked bytes are always held or in the chunk");
        if (from < chunkStart)
        {
            var heldEnd = Math.Min(to, chunkStart);
            output.Write(held.AsSpan((int)(from - heldStart), (int)(heldEnd - from)));
            from = heldEnd;
        }
        if (from < to) output.Write(chunk.Slice((int)(from - chunkStart), (int)(to - from)));
        emitted = to;
    }

    /// <summary>Keeps the bytes from <paramref name="keepFrom"/> to the end of the chunk for the next write.</summary>
    private void Retain(long keepFrom, ReadOnlySpan<byte> chunk, long chunkStart, long heldStart)
    {
        Debug.Assert(keepFrom >= heldStart && position - keepFrom < held.Length, "the held tail is shorter than the longest pattern");
        var count = 0;
        if (keepFrom < chunkStart)
        {
            count = (int)(chunkStart - keepFrom);
            held.AsSpan((int)(keepFrom - heldStart), count).CopyTo(held);
        }
        var fromChunk = chunk[(int)(Math.Max(keepFrom, chunkStart) - chunkStart)..];
        fromChunk.CopyTo(held.AsSpan(count));
        heldCount = count + fromChunk.Length;
    }
}
