using Narwhal.Core.Configuration;

namespace Narwhal.Api.Ui;

/// <summary>What the web UI reads from the environment.</summary>
public sealed record UiSettings
{
    /// <summary>
    /// NARWHAL_PUBLIC_URL is https: browsers reach the UI over HTTPS even when the Api sees plain HTTP (a proxy ends
    /// TLS), so UI requests are treated as HTTPS and every cookie is Secure. Otherwise cookies are Secure when the
    /// request itself came over HTTPS.
    /// </summary>
    public required bool PublicUrlIsHttps { get; init; }

    /// <summary>How long a UI session lasts without a request (sliding): NARWHAL_UI_SESSION_HOURS, default 8.</summary>
    public required TimeSpan SessionLifetime { get; init; }

    public static UiSettings From(IConfiguration config) => new()
    {
        PublicUrlIsHttps = config.GetOptionalString("NARWHAL_PUBLIC_URL")?.StartsWith("https://", StringComparison.OrdinalIgnoreCase) == true,
        SessionLifetime = TimeSpan.FromHours(config.GetInt("NARWHAL_UI_SESSION_HOURS", 8, min: 1, max: 24 * 30)),
    };
}
