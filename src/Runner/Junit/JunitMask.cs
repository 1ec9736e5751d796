using Narwhal.Core.Logging;

namespace Narwhal.Runner.Junit;

/// <summary>
/// The parser's view of an <see cref="ITextMasker"/>: masks each text it keeps before cutting it to size, since a cut
/// through a secret would leave a part of it that no longer matches.
/// </summary>
internal sealed class JunitMask(ITextMasker? masker)
{
    public static JunitMask None { get; } = new(null);

    public static JunitMask From(ITextMasker? masker) => masker is null ? None : new JunitMask(masker);

    /// <summary>How much more text to keep before masking so that a secret starting in the kept part is whole.</summary>
    public int Margin { get; } = masker?.LongestMaskedLength ?? 0;

    public string Apply(string text) => masker is null ? text : masker.MaskText(text);

    /// <summary><see cref="CappedText.CapOrNull"/> of the masked text.</summary>
    public string? CapOrNull(string? text, int maxBytes) =>
        string.IsNullOrWhiteSpace(text) ? null : CappedText.Cap(Apply(text.Trim()), maxBytes);
}
