using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Narwhal.Testing.Github;

/// <summary>One request the fake GitHub API received, with the status it answered.</summary>
public sealed record GithubCall
{
    public required DateTimeOffset At { get; init; }
    public required string Method { get; init; }
    public required string Path { get; init; }
    public string? Authorization { get; init; }
    public string? Accept { get; init; }
    public string? ApiVersion { get; init; }
    public string? UserAgent { get; init; }
    public string? State { get; init; }
    public string? TargetUrl { get; init; }
    public string? Description { get; init; }
    public string? Context { get; init; }
    public required int Answered { get; init; }

    /// <summary>The commit of a <c>…/statuses/{sha}</c> call.</summary>
    public string Sha => Path[(Path.LastIndexOf('/') + 1)..];

    public override string ToString() => $"{Answered} {Method} {Path} {State} '{Description}' {Context}";
}

/// <summary>A scripted answer: status code and headers (Retry-After, x-ratelimit-*), optionally a JSON body.</summary>
public sealed record GithubAnswer(int Status, IReadOnlyDictionary<string, string>? Headers = null, string? Body = null);

/// <summary>
/// A local HTTP server standing in for GitHub's REST API (under a GitHub Enterprise-like path,
/// <c>/api/v3</c>): records every call and answers <c>201</c>, or what the test scripted for a commit
/// (<see cref="AnswerNext"/>: e.g. a 502 once, or a 429 with Retry-After).
/// </summary>
public sealed class FakeGithubApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<GithubCall> _calls = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<GithubAnswer>> _scripted = new(StringComparer.OrdinalIgnoreCase);

    private FakeGithubApi(WebApplication app) => _app = app;

    /// <summary>The API root to configure as NARWHAL_GITHUB_API_URL.</summary>
    public Uri ApiUrl { get; private set; } = null!;

    public IReadOnlyList<GithubCall> Calls => _calls.ToList();

    public IReadOnlyList<GithubCall> CallsFor(string sha) => _calls.Where(c => c.Sha.Equals(sha, StringComparison.OrdinalIgnoreCase)).ToList();

    public static async Task<FakeGithubApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeGithubApi(app);
        app.MapPost("/api/v3/repos/{owner}/{repo}/statuses/{sha}", (HttpContext context, string sha) => fake.AnswerAsync(context, sha));
        await app.StartAsync();
        fake.ApiUrl = new Uri(TestStack.BoundAddress(app) + "/api/v3");
        return fake;
    }

    /// <summary>The next calls for <paramref name="sha"/> get these answers, in order; then 201 again.</summary>
    public void AnswerNext(string sha, params GithubAnswer[] answers)
    {
        var queue = _scripted.GetOrAdd(sha, _ => new ConcurrentQueue<GithubAnswer>());
        foreach (var answer in answers) queue.Enqueue(answer);
    }

    private async Task AnswerAsync(HttpContext context, string sha)
    {
        var at = DateTimeOffset.UtcNow;
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var answer = _scripted.TryGetValue(sha, out var queue) && queue.TryDequeue(out var scripted) ? scripted : new GithubAnswer(201);
        var headers = context.Request.Headers;
        _calls.Enqueue(new GithubCall
        {
            At = at,
            Method = context.Request.Method,
            Path = context.Request.Path.Value!,
            Authorization = headers.Authorization.ToString(),
            Accept = headers.Accept.ToString(),
            ApiVersion = headers["X-GitHub-Api-Version"].ToString(),
            UserAgent = headers.UserAgent.ToString(),
            State = Text(body, "state"),
            TargetUrl = Text(body, "target_url"),
            Description = Text(body, "description"),
            Context = Text(body, "context"),
            Answered = answer.Status,
        });

        context.Response.StatusCode = answer.Status;
        foreach (var (name, value) in answer.Headers ?? new Dictionary<string, string>()) context.Response.Headers[name] = value;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(answer.Body ?? (answer.Status < 300
            ? JsonSerializer.Serialize(new { id = _calls.Count, state = Text(body, "state"), context = Text(body, "context") })
            : """{"message":"scripted failure"}"""));
    }

    private static string? Text(JsonDocument body, string property) =>
        body.RootElement.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
