using System.Globalization;

namespace Narwhal.Chaos;

/// <summary>The suite's command line. Every experiment runs by default; the real service restarts only on request.</summary>
public sealed record ChaosOptions
{
    public static readonly string[] AllExperiments = ["runner-kill", "postgres-outage", "postgres-cuts", "broker-outage", "abort-storm", "process-kill", "rabbit-cluster", "pipeline-kill"];

    /// <summary>
    /// All but process-kill, rabbit-cluster and pipeline-kill: the Api and Dispatcher as processes of their own start slowly on a loaded
    /// 2-core machine (up to a minute each), the three RabbitMQ nodes too, and the defaults must stay within 10 minutes.
    /// </summary>
    public static readonly string[] DefaultExperiments = ["runner-kill", "postgres-outage", "postgres-cuts", "broker-outage", "abort-storm"];

    public IReadOnlyList<string> Experiments { get; init; } = DefaultExperiments;
    /// <summary>Runs per storm (experiments 1, 2, 4, 5; the cut experiments use half).</summary>
    public int Runs { get; init; } = 60;
    public double OutageSeconds { get; init; } = 5;
    /// <summary>Restart THE shared Postgres with pg_ctl instead of the proxy outage: disruptive for everyone on this machine.</summary>
    public bool RealPostgresRestart { get; init; }
    /// <summary>rabbitmqctl stop_app/start_app on THE shared node instead of the proxy outage: disruptive for everyone.</summary>
    public bool RealRabbitMqRestart { get; init; }
    /// <summary>The data folder of the services (scripts/services.sh's NARWHAL_DATA_DIR), for the real RabbitMQ restart.</summary>
    public string? ServicesDataDir { get; init; }
    public int Seed { get; init; } = 7;
    public string LogDir { get; init; } = Path.Combine("bench", "results", "chaos");

    public const string Usage = """
        bench/chaos/run.sh [options]
          --experiments LIST         comma-separated, or "all"; default runner-kill,postgres-outage,postgres-cuts,broker-outage,abort-storm
                                     (process-kill, the Api's and the Dispatcher's kill -9, adds 3-4 minutes: ask for it or "all";
                                      rabbit-cluster, a node of a 3-node RabbitMQ cluster killed, adds 2-4 minutes: likewise;
                                      pipeline-kill, pipelines while Runners, the Api and the Dispatcher are killed, adds 3-5 minutes: likewise)
          --runs N                   runs per storm (default 60; the cut experiments use N/4 each)
          --outage-seconds S         how long the proxy outages last, and the cluster node stays dead (default 5)
          --real-postgres-restart    restart THE shared Postgres (pg_ctl restart -m fast) instead of the proxy outage
          --real-rabbitmq-restart    rabbitmqctl stop_app/start_app on THE shared node instead of the proxy outage
          --services-data DIR        services.sh's data folder (for --real-rabbitmq-restart; run.sh passes it)
          --seed N                   seed of the abort storm's random moments (default 7)
          --log-dir DIR              where the Runners' output goes (default bench/results/chaos)
        """;

    public static ChaosOptions Parse(string[] args)
    {
        var options = new ChaosOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--experiments" => options with { Experiments = ParseExperiments(Value()) },
                "--runs" => options with { Runs = Int(Value(), "--runs", 4, 1000) },
                "--outage-seconds" => options with { OutageSeconds = Int(Value(), "--outage-seconds", 1, 120) },
                "--real-postgres-restart" => options with { RealPostgresRestart = true },
                "--real-rabbitmq-restart" => options with { RealRabbitMqRestart = true },
                "--services-data" => options with { ServicesDataDir = Value() },
                "--seed" => options with { Seed = Int(Value(), "--seed", 0, int.MaxValue) },
                "--log-dir" => options with { LogDir = Value() },
                var other => throw new ArgumentException($"unknown option {other}"),
            };
        }
        return options;
    }

    private static IReadOnlyList<string> ParseExperiments(string list)
    {
        if (list == "all") return AllExperiments;
        var names = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var name in names)
            if (!AllExperiments.Contains(name)) throw new ArgumentException($"unknown experiment {name} (known: {string.Join(", ", AllExperiments)})");
        return names;
    }

    private static int Int(string text, string option, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"{option} must be a whole number from {min} to {max}");
}
