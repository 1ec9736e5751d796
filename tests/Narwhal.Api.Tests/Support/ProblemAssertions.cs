using System.Net;
using System.Text.Json;
using NUnit.Framework;

namespace Narwhal.Api.Tests.Support;

/// <summary>Every error the Api answers is RFC 9457 problem+json; this checks it and hands back the body.</summary>
internal static class ProblemAssertions
{
    public const string ProblemMediaType = "application/problem+json";

    public static async Task<JsonElement> ShouldBeProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(status), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo(ProblemMediaType), $"content type of: {text}");
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.That(problem.GetProperty("status").GetInt32(), Is.EqualTo((int)status), text);
        return problem;
    }

    public static string Detail(this JsonElement problem) =>
        problem.TryGetProperty("detail", out var detail) ? detail.GetString() ?? "" : "";

    /// <summary>The field → messages map of a validation problem (empty when there is none).</summary>
    public static IReadOnlyDictionary<string, string[]> Errors(this JsonElement problem) =>
        problem.TryGetProperty("errors", out var errors)
            ? errors.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(m => m.GetString()!).ToArray())
            : new Dictionary<string, string[]>();
}
