using System.Buffers;
using System.Text;

namespace Narwhal.Api.Ui.Rendering;

/// <summary>
/// Console text to HTML for a <c>&lt;pre&gt;</c>: the text HTML-escaped, SGR colours and bold (ESC[…m) turned into
/// <c>&lt;span class="fg31 b"&gt;</c>, every other escape sequence (cursor moves, OSC titles) dropped. A lone CR
/// becomes a line break. <c>wwwroot/ui/narwhal.js</c> has the same rules for live output; the CSS names the colours.
/// </summary>
/// <remarks>
/// Handled SGR codes: 0 reset, 1 bold, 22 not bold, 30–37 and 90–97 foreground, 39 default foreground,
/// 40–47 and 100–107 background, 49 default background; 38/48 with 5;n or 2;r;g;b are skipped whole.
/// </remarks>
public sealed class AnsiHtml
{
    private const char Esc = '\u001b';
    private int? _fg;
    private int? _bg;
    private bool _bold;
    /// <summary>The classes of the current state; computed again only after an SGR sequence.</summary>
    private string? _classes;
    private static readonly SearchValues<char> HtmlSpecial = SearchValues.Create("&<>");

    /// <summary>Renders one piece of console text on its own (state starts plain).</summary>
    public static string Render(string text) => new AnsiHtml().Append(text);

    /// <summary>Renders <paramref name="text"/>, continuing the colour state of earlier calls; every span it opens is closed.</summary>
    public string Append(string text)
    {
        var html = new StringBuilder(text.Length + text.Length / 4);
        var i = 0;
        while (i < text.Length)
        {
            var special = text.AsSpan(i).IndexOfAny(Esc, '\r');
            var end = special < 0 ? text.Length : i + special;
            if (end > i) WriteText(html, text.AsSpan(i, end - i));
            if (end >= text.Length) break;
            if (text[end] == Esc)
            {
                i = Escape(text, end);
                continue;
            }
            // CRLF is a line end; a lone CR (progress bars) becomes one too.
            if (end + 1 >= text.Length || text[end + 1] != '\n') html.Append('\n');
            i = end + 1;
        }
        return html.ToString();
    }

    /// <summary>
    /// Writes the text between two escapes, in a span when it has a colour or is bold. Text content needs only &amp;,
    /// &lt; and &gt; escaped: everything else stays as it is (no entity bloat in a log that is rarely ASCII only).
    /// </summary>
    private void WriteText(StringBuilder html, ReadOnlySpan<char> text)
    {
        var classes = _classes ??= Classes();
        if (classes.Length > 0) html.Append("<span class=\"").Append(classes).Append("\">");
        while (!text.IsEmpty)
        {
            var at = text.IndexOfAny(HtmlSpecial);
            if (at < 0)
            {
                html.Append(text);
                break;
            }
            html.Append(text[..at]).Append(text[at] switch { '&' => "&amp;", '<' => "&lt;", _ => "&gt;" });
            text = text[(at + 1)..];
        }
        if (classes.Length > 0) html.Append("</span>");
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(int?, int?, bool), string> ClassNames = new();

    /// <summary>"fg31 bg40 b" for the current state (a handful of states ever occur: cached).</summary>
    private string Classes() => ClassNames.GetOrAdd((_fg, _bg, _bold), static state =>
        string.Join(' ', new[] { state.Item1 is { } fg ? $"fg{fg}" : null, state.Item2 is { } bg ? $"bg{bg}" : null, state.Item3 ? "b" : null }
            .OfType<string>()));

    /// <summary>Consumes the escape sequence starting at <paramref name="start"/>; returns the index after it.</summary>
    private int Escape(string text, int start)
    {
        var i = start + 1;
        if (i >= text.Length) return i;
        if (text[i] == '[')
        {
            var from = ++i;
            while (i < text.Length && text[i] is >= '\u0020' and <= '\u003f') i++; // parameter and intermediate bytes
            if (i >= text.Length) return i; // cut short: dropped
            if (text[i] == 'm') Sgr(text.AsSpan(from, i - from));
            return i + 1;
        }
        if (text[i] == ']')
        {
            // OSC: up to BEL or ESC \.
            while (++i < text.Length)
            {
                if (text[i] == '\u0007') return i + 1;
                if (text[i] == Esc && i + 1 < text.Length && text[i + 1] == '\\') return i + 2;
            }
            return i;
        }
        return i + 1; // a two-character sequence (ESC c, ESC 7, …)
    }

    private void Sgr(ReadOnlySpan<char> parameters)
    {
        _classes = null;
        // At most 16 codes are looked at; a longer sequence is not something a program prints.
        Span<int> codes = stackalloc int[16];
        var count = 0;
        foreach (var range in parameters.Split(';'))
        {
            if (count == codes.Length) break;
            codes[count++] = int.TryParse(parameters[range], out var n) ? n : 0;
        }
        codes = codes[..count];
        for (var k = 0; k < codes.Length; k++)
        {
            var code = codes[k];
            switch (code)
            {
                case 0: _fg = null; _bg = null; _bold = false; break;
                case 1: _bold = true; break;
                case 22: _bold = false; break;
                case >= 30 and <= 37 or >= 90 and <= 97: _fg = code; break;
                case 39: _fg = null; break;
                case >= 40 and <= 47 or >= 100 and <= 107: _bg = code; break;
                case 49: _bg = null; break;
                case 38 or 48:
                    // Extended colours are not rendered; skip their arguments.
                    if (k + 1 < codes.Length) k += codes[k + 1] == 5 ? 2 : codes[k + 1] == 2 ? 4 : 1;
                    break;
            }
        }
    }
}
