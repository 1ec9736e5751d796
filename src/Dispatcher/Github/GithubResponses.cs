using System.Globalization;
using System.Net;

namespace Narwhal.Dispatcher.Github;

/// <summary>
/// What a GitHub API answer means for a retry: the one place that reads GitHub's status codes and
/// rate-limit headers. Failures without an answer (network, timeout) are
/// <see cref="Narwhal.Core.Resilience.TransientErrors"/>' to judge.
/// </summary>
/// <remarks>
/// | Answer                                         | Verdict   | Wait |
/// |------------------------------------------------|-----------|------|
/// | 2xx                                            | done      | |
/// | 429 Too Many Requests                          | retry     | Retry-After (seconds or HTTP date), else x-ratelimit-reset, else backoff |
/// | 403 with x-ratelimit-remaining: 0              | retry     | primary rate limit: x-ratelimit-reset (epoch seconds) |
/// | 403 with Retry-After                           | retry     | secondary rate limit: Retry-After |
/// | 408, 5xx (but 501, 505)                        | retry     | Retry-After if given, else backoff |
/// | any other 4xx (401, 403, 404, 422, …), 501, 505 | refused  | never retried: the token, repository or commit is wrong |
/// Every wait is capped at <see cref="MaxWait"/>.
/// </remarks>
public static class GithubResponses
{
    /// <summary>No rate limit makes the reporter wait longer than this before trying again.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(5);

    public static bool IsSuccess(HttpResponseMessage response) => response.IsSuccessStatusCode;

    /// <summary>True when the same call may succeed later.</summary>
    public static bool IsRetryable(HttpResponseMessage response) => (int)response.StatusCode switch
    {
        429 => true,
        403 => IsRateLimited(response) || response.Headers.RetryAfter is not null,
        408 => true,
        501 or 505 => false,
        >= 500 and <= 599 => true,
        _ => false,
    };

    /// <summary>How long GitHub asks to wait before the next call (capped at <see cref="MaxWait"/>); null when it does not say.</summary>
    public static TimeSpan? RequestedWait(HttpResponseMessage response, TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        TimeSpan? wait = null;
        if (response.Headers.RetryAfter is { } retryAfter)
            wait = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - now : null);
        else if ((response.StatusCode == HttpStatusCode.TooManyRequests || IsRateLimited(response))
                 && Header(response, "x-ratelimit-reset") is { } reset
                 && long.TryParse(reset, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
            wait = DateTimeOffset.FromUnixTimeSeconds(epoch) - now;
        if (wait is not { } w) return null;
        if (w < TimeSpan.Zero) return TimeSpan.Zero;
        return w > MaxWait ? MaxWait : w;
    }

    /// <summary>"404 Not Found: Not Found" — the status and GitHub's message, for logs and last_error.</summary>
    public static string Describe(HttpResponseMessage response, string? body)
    {
        var text = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        var message = GithubError.MessageOf(body);
        return message is null ? text : $"{text}: {message}";
    }

    private static bool IsRateLimited(HttpResponseMessage response) =>
        Header(response, "x-ratelimit-remaining") == "0";

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault()?.Trim() : null;
}
