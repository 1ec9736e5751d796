using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Narwhal.Runner.Masking;

/// <summary>
/// The forms in which a secret value can reach a job's output, each masked as its own pattern.
/// </summary>
/// <remarks>
/// <para>Derived forms, all of the UTF-8 bytes:</para>
/// <list type="bullet">
/// <item>raw;</item>
/// <item>base64, standard and URL-safe, with and without padding, and the characters fully determined by the
/// secret at each of the three alignments: offset 0 (<c>echo $S | base64</c>, where the newline changes the
/// last character) and offsets 1 and 2 (the secret inside a longer encoded value, such as <c>user:password</c>
/// in a Basic authorization header). The one or two characters at each edge that mix in neighbouring bytes
/// stay visible; they carry at most 4 bits of the secret each;</item>
/// <item>base64 of the secret alone wrapped the way <c>base64</c> (76 columns) and <c>openssl base64</c>
/// (64 columns) print it, with <c>\n</c> and with <c>\r\n</c> (a TTY);</item>
/// <item>URL encoding: <see cref="Uri.EscapeDataString(string)"/>, the same with <c>+</c> for spaces, and
/// <see cref="WebUtility.UrlEncode"/> (upper-case hex, as most encoders print);</item>
/// <item>JSON string escaping as common writers print it: minimal (JavaScript, jq, serde), ASCII-only
/// (Python's default), HTML-safe (Go's default), System.Text.Json's default and relaxed encoders;</item>
/// <item>for a multi-line secret: the secret with <c>\r\n</c> line ends, and each line of 6 or more characters
/// on its own (a tool that prints line by line, or a TTY that rewrites line ends, still has each line masked).</item>
/// </list>
/// <para>Not covered: base64 wrapped mid-secret inside a longer encoded document, encodings of encodings
/// (base64 of URL-encoded), hex dumps, lower-case percent-encoding, compressed or encrypted output, and a
/// secret printed in pieces by the job itself. Masking is a safety net for accidents, not a guarantee against
/// a job that sets out to reveal its secrets.</para>
/// </remarks>
internal static class SecretEncodings
{
    /// <summary>Values shorter than this are ignored (the API refuses them): masking them would shred ordinary output.</summary>
    public const int MinimumLength = 6;

    private static readonly JsonSerializerOptions RelaxedJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IReadOnlyList<string> Forms(string secret)
    {
        if (secret is null || secret.Length < MinimumLength) return [];

        var forms = new List<string>();
        void Add(string? form)
        {
            if (form is { Length: >= MinimumLength } && !forms.Contains(form, StringComparer.Ordinal)) forms.Add(form);
        }

        Add(secret);
        var bytes = Encoding.UTF8.GetBytes(secret);

        var base64 = Convert.ToBase64String(bytes);
        foreach (var form in new[] { base64, UrlSafe(base64) })
        {
            Add(form);
            Add(form.TrimEnd('='));
        }
        for (var offset = 0; offset < 3; offset++)
        {
            var determined = DeterminedBase64(bytes, offset);
            Add(determined);
            Add(UrlSafe(determined));
        }
        foreach (var width in new[] { 76, 64 })
        {
            if (base64.Length <= width) continue;
            Add(Wrap(base64, width, "\n"));
            Add(Wrap(base64, width, "\r\n"));
        }

        if (TryEscapeDataString(secret) is { } escaped)
        {
            Add(escaped);
            Add(escaped.Replace("%20", "+", StringComparison.Ordinal));
        }
        Add(WebUtility.UrlEncode(secret));

        Add(JsonEscape(secret, asciiOnly: false, htmlSafe: false));
        Add(JsonEscape(secret, asciiOnly: true, htmlSafe: false));
        Add(JsonEscape(secret, asciiOnly: false, htmlSafe: true));
        Add(Unquote(JsonSerializer.Serialize(secret)));
        Add(Unquote(JsonSerializer.Serialize(secret, RelaxedJson)));

        if (secret.AsSpan().IndexOfAny('\n', '\r') >= 0)
        {
            Add(secret.ReplaceLineEndings("\r\n"));
            foreach (var line in secret.Split(["\r\n", "\n", "\r"], StringSplitOptions.None)) Add(line);
        }
        return forms;
    }

    /// <summary>
    /// The base64 characters that depend only on <paramref name="bytes"/> when they start <paramref name="offset"/>
    /// bytes into a 3-byte group: a character is kept when all 6 of its bits come from the secret.
    /// </summary>
    private static string DeterminedBase64(byte[] bytes, int offset)
    {
        var framed = new byte[offset + bytes.Length + 2];
        bytes.CopyTo(framed, offset);
        var encoded = Convert.ToBase64String(framed);
        var first = (8 * offset + 5) / 6;
        var end = 8 * (offset + bytes.Length) / 6;
        return encoded[first..end];
    }

    private static string? TryEscapeDataString(string value)
    {
        try
        {
            return Uri.EscapeDataString(value);
        }
        catch (UriFormatException)
        {
            return null; // A lone surrogate: no URL encoder prints such a value.
        }
    }

    private static string UrlSafe(string base64) => base64.Replace('+', '-').Replace('/', '_');

    private static string Wrap(string text, int width, string newline) =>
        string.Join(newline, text.Chunk(width).Select(chunk => new string(chunk)));

    private static string Unquote(string json) => json[1..^1];

    /// <summary>Escapes as JSON writers other than .NET's do: lower-case hex, short forms for common controls.</summary>
    private static string JsonEscape(string value, bool asciiOnly, bool htmlSafe)
    {
        var builder = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    var escape = c < 0x20
                        || (asciiOnly && c > 0x7F)
                        || (htmlSafe && (c is '<' or '>' or '&' or '\u2028' or '\u2029'));
                    if (escape) builder.Append("\\u").Append(((int)c).ToString("x4"));
                    else builder.Append(c);
                    break;
            }
        }
        return builder.ToString();
    }
}
