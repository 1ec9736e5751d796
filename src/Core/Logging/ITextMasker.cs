namespace Narwhal.Core.Logging;

/// <summary>
/// Hides secret values in a piece of text before it is stored or logged: the JUnit summaries the
/// Runner derives from a job's reports, and the Runner's own log lines. The Runner implements it with
/// its secret masker; Core only needs the shape.
/// </summary>
public interface ITextMasker
{
    /// <summary><paramref name="text"/> with every secret (and each encoded form of one) replaced by a mask; the same instance when there is none.</summary>
    string MaskText(string text);

    /// <summary>
    /// An upper bound, in characters, on the length of what is masked (0 when nothing is). A caller that cuts
    /// text to a size keeps this much more before masking, so no secret is cut in half and escapes in part.
    /// </summary>
    int LongestMaskedLength { get; }
}
