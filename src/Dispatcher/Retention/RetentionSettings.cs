using Narwhal.Core.Configuration;

namespace Narwhal.Dispatcher.Retention;

public sealed record RetentionSettings
{
    /// <summary>Null: logs and results are kept whatever their age.</summary>
    public TimeSpan? MaxAge { get; init; }
    /// <summary>0: no per-job limit on how many finished runs keep their logs and results.</summary>
    public int KeepPerJob { get; init; }
    public required TimeSpan Interval { get; init; }
    public required TimeSpan OutboxAge { get; init; }
    /// <summary>How long the record of a GitHub webhook delivery is kept (GET /hooks/github/deliveries; redelivery detection).</summary>
    public required TimeSpan GithubDeliveryAge { get; init; }

    public static RetentionSettings From(IConfiguration config)
    {
        var days = config.GetDouble("NARWHAL_RETENTION_DAYS", 90, min: 0);
        return new RetentionSettings
        {
            MaxAge = days == 0 ? null : TimeSpan.FromDays(days),
            KeepPerJob = config.GetInt("NARWHAL_RETENTION_KEEP_RUNS", 0, min: 0),
            Interval = config.GetSeconds("NARWHAL_RETENTION_INTERVAL", 3600, min: 0.1),
            OutboxAge = TimeSpan.FromDays(config.GetDouble("NARWHAL_OUTBOX_RETENTION_DAYS", 7, min: 0)),
            GithubDeliveryAge = TimeSpan.FromDays(config.GetDouble("NARWHAL_GITHUB_DELIVERY_RETENTION_DAYS", 30, min: 0)),
        };
    }
}
