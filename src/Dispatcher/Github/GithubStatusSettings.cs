using Narwhal.Core.Configuration;

namespace Narwhal.Dispatcher.Github;

/// <summary>Where and how the Dispatcher reports commit statuses to GitHub (or GitHub Enterprise).</summary>
public sealed record GithubStatusSettings
{
    public static readonly Uri PublicGithubApi = new("https://api.github.com/");

    /// <summary>REST API root: https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server.</summary>
    public required Uri ApiUrl { get; init; }

    /// <summary>Null: the reporter is off (nothing is posted; recorded updates expire after <see cref="GiveUpAfter"/>).</summary>
    public string? Token { get; init; }

    /// <summary>GitHub's web host, to recognise a job's git URL as a GitHub repository (github.com, ghe.example.com; a port is ignored).</summary>
    public required string Host { get; init; }

    /// <summary>Narwhal's public address, for links from GitHub to a run; null = statuses without a link.</summary>
    public Uri? PublicUrl { get; init; }

    /// <summary>An update still failing this long after its first attempt is dropped with a warning.</summary>
    public required TimeSpan GiveUpAfter { get; init; }

    /// <summary>How often the reporter looks for due updates besides the database's notifications (retries, missed notifications).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    public bool Enabled => Token is not null;

    public static GithubStatusSettings From(IConfiguration config)
    {
        var apiUrl = AbsoluteHttpUrl(config, "NARWHAL_GITHUB_API_URL") ?? PublicGithubApi;
        return new GithubStatusSettings
        {
            ApiUrl = apiUrl,
            Token = config.GetOptionalString("NARWHAL_GITHUB_TOKEN"),
            Host = config.GetOptionalString("NARWHAL_GITHUB_HOST") ?? WebHostOf(apiUrl),
            PublicUrl = AbsoluteHttpUrl(config, "NARWHAL_PUBLIC_URL"),
            GiveUpAfter = TimeSpan.FromMinutes(config.GetDouble("NARWHAL_GITHUB_STATUS_GIVE_UP_MINUTES", 30, min: 0.05)),
        };
    }

    /// <summary>api.github.com → github.com; any other API URL (GitHub Enterprise: https://ghe.example.com/api/v3) → its own host.</summary>
    public static string WebHostOf(Uri apiUrl) =>
        string.Equals(apiUrl.Host, "api.github.com", StringComparison.OrdinalIgnoreCase) ? "github.com" : apiUrl.Host;

    private static Uri? AbsoluteHttpUrl(IConfiguration config, string key)
    {
        var raw = config.GetOptionalString(key);
        if (raw is null) return null;
        if (!Uri.TryCreate(raw, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.UserInfo.Length > 0)
            throw new InvalidOperationException($"Setting {key}='{raw}' must be an absolute http(s) URL without credentials.");
        return uri;
    }
}
