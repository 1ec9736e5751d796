using Narwhal.Core.Results;

namespace Narwhal.Runner.Junit;

/// <summary>
/// A <c>&lt;testcase&gt;</c> being read: its attributes, its result elements and the text kept for a failure. Without
/// <paramref name="keepsText"/> (the report keeps no more failures) its text is skipped, not collected.
/// </summary>
internal sealed class JunitCase(string name, string? className, double? timeSeconds, bool keepsText, JunitMask mask)
{
    private string? _kind;
    private string? _message;
    private string? _type;
    private TextCapture? _resultText;
    private TextCapture? _systemOut;
    private TextCapture? _systemErr;

    public string Name { get; } = name;
    public string? ClassName { get; } = className;
    public double? TimeSeconds { get; } = timeSeconds;
    public bool HasFailure { get; private set; }
    public bool HasError { get; private set; }
    public bool HasSkipped { get; private set; }
    public bool IsFailing => HasFailure || HasError;

    public void MarkSkipped() => HasSkipped = true;

    /// <summary>
    /// Records a <c>&lt;failure&gt;</c> or <c>&lt;error&gt;</c>; the first one gives kind, message and type. Returns where its
    /// text goes (the texts of several such elements are kept one after the other), or null when it is not kept.
    /// </summary>
    public TextCapture? BeginResult(string kind, string? message, string? type)
    {
        if (kind == JunitFailure.FailureKind) HasFailure = true;
        else HasError = true;

        if (_kind is null)
        {
            _kind = kind;
            _message = mask.CapOrNull(message, JunitLimits.MaxMessageBytes);
            _type = mask.CapOrNull(type, JunitLimits.MaxMessageBytes);
        }
        return Part(ref _resultText);
    }

    public TextCapture? SystemOut() => Part(ref _systemOut);

    public TextCapture? SystemErr() => Part(ref _systemErr);

    public JunitFailure ToFailure(string suite)
    {
        var text = Masked(_resultText);
        var message = _message ?? (text is null ? null : CappedText.CapOrNull(CappedText.FirstLine(text), JunitLimits.MaxMessageBytes));
        return new JunitFailure(suite, ClassName, Name, _kind!, message, _type, Output(text));
    }

    private string? Output(string? resultText)
    {
        var parts = new List<string>(3);
        if (resultText is not null)
            parts.Add(CappedText.FirstLines(resultText, JunitLimits.MaxFailureTextLines));
        if (Masked(_systemOut) is { } stdout)
            parts.Add("--- system-out ---\n" + stdout);
        if (Masked(_systemErr) is { } stderr)
            parts.Add("--- system-err ---\n" + stderr);
        return parts.Count == 0 ? null : CappedText.Cap(string.Join('\n', parts), JunitLimits.MaxOutputBytes);
    }

    // Masked whole, before any cut: first lines, then the byte cap.
    private string? Masked(TextCapture? capture) => capture?.Text() is { } text ? mask.Apply(text) : null;

    private TextCapture? Part(ref TextCapture? capture)
    {
        if (!keepsText)
            return null;
        capture ??= NewCapture();
        capture.BeginPart();
        return capture;
    }

    // The output is capped at MaxOutputBytes UTF-8 bytes, which is never more characters than that; the margin
    // keeps whole any secret that starts inside what is kept, so it is masked rather than cut.
    private TextCapture NewCapture() => new(JunitLimits.MaxOutputBytes + 1 + mask.Margin);
}
