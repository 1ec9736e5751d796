using System.Text;

namespace Narwhal.Runner.Junit;

/// <summary>
/// Collects element text up to a number of characters and drops the rest, so a multi-megabyte stack trace or log costs
/// no more than the part that is kept. Leading whitespace is skipped (indentation before the text starts).
/// </summary>
internal sealed class TextCapture(int maxChars)
{
    private readonly StringBuilder _text = new();
    private bool _full;

    public bool IsFull => _full;

    public void Append(ReadOnlySpan<char> chunk)
    {
        if (_full)
            return;
        if (_text.Length == 0)
            chunk = chunk.TrimStart();

        var room = maxChars - _text.Length;
        if (chunk.Length >= room)
        {
            chunk = chunk[..room];
            if (!chunk.IsEmpty && char.IsHighSurrogate(chunk[^1]))
                chunk = chunk[..^1];
            _full = true;
        }
        _text.Append(chunk);
    }

    /// <summary>Starts the text of another element on a new line.</summary>
    public void BeginPart()
    {
        if (_text.Length > 0)
            Append("\n");
    }

    /// <summary>The collected text with trailing whitespace removed; null when there is none.</summary>
    public string? Text()
    {
        var text = _text.ToString().TrimEnd();
        return text.Length == 0 ? null : text;
    }
}
