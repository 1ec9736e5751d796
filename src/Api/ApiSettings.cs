using Narwhal.Core.Configuration;

namespace Narwhal.Api;

public sealed record ApiSettings
{
    public required string Listen { get; init; }
    public required long MaxRequestBytes { get; init; }
    public string? AdminToken { get; init; }
    public required TimeSpan OutboxRelayInterval { get; init; }
    /// <summary>The relay leaves younger rows to the request that wrote them (it publishes right after commit).</summary>
    public required TimeSpan OutboxRelayMinAge { get; init; }
    /// <summary>
    /// NARWHAL_GITHUB_WEBHOOK_SECRET, comma-separated: a delivery signed with any of them is accepted (put the new secret
    /// beside the old one, change it on GitHub, then drop the old one). Empty = POST /hooks/github answers 503.
    /// </summary>
    public IReadOnlyList<string> GithubWebhookSecrets { get; init; } = [];

    /// <summary>NARWHAL_GITHUB_WEBHOOK_MAX_BODY_KB: deliveries above it are refused (413), by Content-Length before any byte is read. Default 25 MB, GitHub's own cap.</summary>
    public long GithubWebhookMaxBytes { get; init; } = Github.WebhookBody.GithubMaxBytes;

    /// <summary>
    /// NARWHAL_GITHUB_WEBHOOK_MAX_CONCURRENT: deliveries whose body is being read (not yet authenticated) at once; more
    /// answer 503 with Retry-After. With the size limit it bounds what unsigned requests can make the Api hold in memory.
    /// </summary>
    public int GithubWebhookMaxConcurrent { get; init; } = 4;

    public static ApiSettings From(IConfiguration config)
    {
        var adminToken = config.GetOptionalString("NARWHAL_ADMIN_TOKEN");
        if (adminToken is { Length: < 20 })
            throw new InvalidOperationException("Setting NARWHAL_ADMIN_TOKEN must be at least 20 characters (use e.g. `openssl rand -hex 24`).");
        return new ApiSettings
        {
            Listen = config.GetString("NARWHAL_API_LISTEN", "http://127.0.0.1:8080"),
            MaxRequestBytes = config.GetInt("NARWHAL_API_MAX_BODY_KB", 1024, min: 1) * 1024L,
            AdminToken = adminToken,
            OutboxRelayInterval = config.GetSeconds("NARWHAL_OUTBOX_RELAY_INTERVAL", 2, min: 0.05),
            OutboxRelayMinAge = config.GetSeconds("NARWHAL_OUTBOX_RELAY_MIN_AGE", 10, min: 0),
            GithubWebhookSecrets = GithubSecrets(config),
            GithubWebhookMaxBytes = config.GetInt("NARWHAL_GITHUB_WEBHOOK_MAX_BODY_KB", (int)(Github.WebhookBody.GithubMaxBytes / 1024), min: 1) * 1024L,
            GithubWebhookMaxConcurrent = config.GetInt("NARWHAL_GITHUB_WEBHOOK_MAX_CONCURRENT", 4, min: 1, max: 1000),
        };
    }

    public const int MinGithubSecretLength = 16;

    private static IReadOnlyList<string> GithubSecrets(IConfiguration config)
    {
        var secrets = config.GetList("NARWHAL_GITHUB_WEBHOOK_SECRET");
        if (secrets.Any(s => s.Length < MinGithubSecretLength))
            throw new InvalidOperationException(
                $"Setting NARWHAL_GITHUB_WEBHOOK_SECRET: each secret must be at least {MinGithubSecretLength} characters (use e.g. `openssl rand -hex 32`).");
        return secrets;
    }
}
