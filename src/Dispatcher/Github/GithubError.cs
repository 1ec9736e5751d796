using System.Text.Json;

namespace Narwhal.Dispatcher.Github;

/// <summary>GitHub's error bodies: <c>{ "message": "...", "errors": [...], "documentation_url": "..." }</c>.</summary>
public static class GithubError
{
    private const int MaxLength = 300;

    /// <summary>The <c>message</c> (and the first error's message, for a 422), or null when the body is not that.</summary>
    public static string? MessageOf(string? body)
    {
        if (string.IsNullOrWhiteSpace(body)) return null;
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind != JsonValueKind.Object
                || !json.RootElement.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.String)
                return null;
            var text = message.GetString()!;
            if (json.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array
                && errors.EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } first
                && first.TryGetProperty("message", out var detail) && detail.ValueKind == JsonValueKind.String)
                text = $"{text} ({detail.GetString()})";
            return text.Length <= MaxLength ? text : text[..MaxLength] + "…";
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
