using System.Net.Http.Headers;
using System.Text.Json.Serialization;
using Narwhal.Dispatcher.Github.Statuses;
using Polly;

namespace Narwhal.Dispatcher.Github;

/// <summary>
/// Posts commit statuses: <c>POST {api}/repos/{owner}/{repo}/statuses/{sha}</c> with the configured
/// token, through <see cref="GithubStatusPipeline"/>. Never throws for a failed post (only for the
/// caller's cancellation): the answer says what happened.
/// </summary>
public sealed class GithubStatusClient : IDisposable
{
    private const int MaxErrorBody = 16 * 1024;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly TimeProvider _clock;
    private readonly string _apiRoot;

    public GithubStatusClient(GithubStatusSettings settings, TimeProvider clock, ILogger<GithubStatusClient> logger,
        GithubStatusPipelineOptions? options = null)
    {
        _clock = clock;
        _apiRoot = settings.ApiUrl.AbsoluteUri.TrimEnd('/');
        // The pipeline times each attempt; connections are recycled so a moved DNS name is followed.
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
        _http.DefaultRequestHeaders.Add("X-GitHub-Api-Version", "2022-11-28");
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("narwhal", null));
        if (settings.Token is { } token)
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _pipeline = GithubStatusPipeline.Create(options ?? new GithubStatusPipelineOptions(), clock, logger);
    }

    public async Task<GithubPostResult> PostAsync(GithubRepository repository, string sha, CommitStatus status, CancellationToken ct)
    {
        var uri = $"{_apiRoot}/repos/{Uri.EscapeDataString(repository.Owner)}/{Uri.EscapeDataString(repository.Name)}/statuses/{Uri.EscapeDataString(sha)}";
        var body = new StatusBody(status.State.Name(), status.TargetUrl, status.Description, status.Context);
        try
        {
            using var response = await _pipeline.ExecuteAsync(async token =>
            {
                // A request message is sent once: each attempt builds its own.
                using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent.Create(body) };
                return await _http.SendAsync(request, token);
            }, ct);
            if (GithubResponses.IsSuccess(response))
                return new GithubPostResult(GithubPostOutcome.Posted, $"{(int)response.StatusCode} {response.ReasonPhrase}");

            var detail = GithubResponses.Describe(response, await ReadErrorAsync(response, ct));
            return GithubResponses.IsRetryable(response)
                ? new GithubPostResult(GithubPostOutcome.Failed, detail, GithubResponses.RequestedWait(response, _clock))
                : new GithubPostResult(GithubPostOutcome.Refused, detail);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            // Network failures and timeouts after the retries (TimeoutRejectedException), or a failure no
            // retry helps (TLS): all end this post; the reporter tries again later until its give-up time.
            return new GithubPostResult(GithubPostOutcome.Failed, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private static async Task<string?> ReadErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            return text.Length <= MaxErrorBody ? text : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return null;
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>GitHub's request body; target_url is left out when there is none.</summary>
    private sealed record StatusBody(
        [property: JsonPropertyName("state")] string State,
        [property: JsonPropertyName("target_url"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TargetUrl,
        [property: JsonPropertyName("description")] string Description,
        [property: JsonPropertyName("context")] string Context);
}
