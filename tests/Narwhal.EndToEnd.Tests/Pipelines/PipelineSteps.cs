using System.Text.Json;
using Narwhal.Testing;

namespace Narwhal.EndToEnd.Tests.Pipelines;

/// <summary>Reading a pipeline run's steps from GET /runs/{id}.</summary>
internal static class PipelineSteps
{
    public static Dictionary<string, JsonElement> ByKey(JsonElement run) =>
        run.GetProperty("steps").EnumerateArray().ToDictionary(s => s.Str("key"));

    public static string Status(JsonElement run, string key) => ByKey(run)[key].Str("status");

    public static DateTimeOffset Started(JsonElement step) => step.GetProperty("startedAt").GetDateTimeOffset();

    public static DateTimeOffset Finished(JsonElement step) => step.GetProperty("finishedAt").GetDateTimeOffset();

    public static async Task<string> ConsoleAsync(HttpClient client, string runId, string key) =>
        await client.GetStringAsync($"/runs/{runId}/steps/{Uri.EscapeDataString(key)}/console");
}
