using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Narwhal.Cli;

public static class JsonOut
{
    public static readonly JsonSerializerOptions Compact = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static readonly JsonSerializerOptions Indented = new(Compact) { WriteIndented = true };
}

/// <summary>Tables with aligned columns, key/value blocks, and ANSI colour when allowed.</summary>
public sealed class Output(TextWriter stdout, TextWriter stderr, bool colour, bool json)
{
    public TextWriter Out { get; } = stdout;
    public TextWriter Err { get; } = stderr;
    public bool Json { get; } = json;
    public bool Colour { get; } = colour;

    /// <summary>The API's JSON as it came (re-indented for reading; same content).</summary>
    public void WriteJson(string body)
    {
        if (body.Length == 0) return;
        try
        {
            using var doc = JsonDocument.Parse(body);
            Out.WriteLine(JsonSerializer.Serialize(doc.RootElement, JsonOut.Indented));
        }
        catch (JsonException)
        {
            Out.WriteLine(body);
        }
    }

    /// <summary>One compact JSON line (for NDJSON streams).</summary>
    public void WriteJsonLine(JsonElement element) => Out.WriteLine(JsonSerializer.Serialize(element, JsonOut.Compact));

    public void Table(IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows, Func<int, int, string, string>? paint = null)
    {
        var widths = headers.Select(h => h.Length).ToArray();
        foreach (var row in rows)
            for (var c = 0; c < headers.Count; c++)
                widths[c] = Math.Max(widths[c], (c < row.Count ? row[c] : "").Length);

        Out.WriteLine(Line(headers, widths, (_, text) => Colour ? Bold(text) : text));
        for (var r = 0; r < rows.Count; r++)
        {
            var rowIndex = r;
            Out.WriteLine(Line(rows[r], widths, (c, text) => Colour && paint is not null ? paint(rowIndex, c, text) : text));
        }
    }

    private static string Line(IReadOnlyList<string> cells, int[] widths, Func<int, string, string> decorate)
    {
        var sb = new StringBuilder();
        for (var c = 0; c < widths.Length; c++)
        {
            var text = c < cells.Count ? cells[c] : "";
            var last = c == widths.Length - 1;
            var padded = last ? text : text.PadRight(widths[c]);
            // Pad before colouring so escape codes never count as width.
            sb.Append(decorate(c, padded));
            if (!last) sb.Append("  ");
        }
        return sb.ToString().TrimEnd();
    }

    public void KeyValues(IEnumerable<(string Key, string? Value)> pairs)
    {
        var list = pairs.Where(p => !string.IsNullOrEmpty(p.Value)).ToList();
        var width = list.Count == 0 ? 0 : list.Max(p => p.Key.Length) + 1;
        foreach (var (key, value) in list)
            Out.WriteLine($"{(key + ":").PadRight(width)}  {value}");
    }

    public string Status(string status) => Colour ? Paint(StatusColour(status), status) : status;

    public static string PaintStatus(string status, string padded) => Paint(StatusColour(status), padded);

    private static string StatusColour(string status) => status.Trim() switch
    {
        "succeeded" => "32",
        "failed" or "error" or "lost" => "31",
        "timed_out" or "aborted" => "33",
        "running" => "36",
        "skipped" => "90",
        _ => "",
    };

    private static string Paint(string code, string text) => code.Length == 0 ? text : $"\u001b[{code}m{text}\u001b[0m";
    private static string Bold(string text) => $"\u001b[1m{text}\u001b[0m";
}

public static class JsonExtensions
{
    public static string S(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
            ? v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : v.GetRawText()
            : "";

    public static JsonElement P(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v : default;

    public static IEnumerable<JsonElement> Items(this JsonElement page) =>
        page.P("items") is { ValueKind: JsonValueKind.Array } items ? items.EnumerateArray() : [];

    /// <summary>"2026-11-22T10:00:00.123Z" → "2026-11-22 10:00:00Z".</summary>
    public static string Time(this JsonElement e, string name)
    {
        var text = e.S(name);
        return DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t)
            ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)
            : text;
    }
}
