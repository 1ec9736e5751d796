namespace Narwhal.Chaos.Experiments;

/// <summary>
/// Experiments 2 and 4: a service goes away for a few seconds near the end of the first runs — the
/// first wave's final writes and the next wave's claims and deliveries fall into the outage. By default
/// the service vanishes only for this stack's processes (a fault proxy refusing connections); with
/// --real-postgres-restart / --real-rabbitmq-restart THE shared service is restarted instead.
/// </summary>
public static class Outage
{
    public const string PostgresName = "2 postgres outage";
    public const string BrokerName = "4 rabbitmq outage";
    /// <summary>After the first container starts: the runs sleep 2 s, so the outage covers their end.</summary>
    private static readonly TimeSpan Lead = TimeSpan.FromSeconds(1.5);

    public static Task<ExperimentRow> PostgresAsync(ChaosContext ctx)
    {
        var real = ctx.Options.RealPostgresRestart;
        return RunAsync(ctx, real ? PostgresName + " (real pg_ctl restart)" : PostgresName + " (proxy)", "pg",
            new StackPlan(Runners: 3, Slots: 2, Postgres: PostgresRoute.AllThroughProxy),
            real
                ? _ => SharedServices.RestartPostgresAsync(ctx.Say, ctx.Ct)
                : chaos => ProxyOutageAsync(chaos.Postgres!, ctx));
    }

    public static Task<ExperimentRow> BrokerAsync(ChaosContext ctx)
    {
        var real = ctx.Options.RealRabbitMqRestart;
        return RunAsync(ctx, real ? BrokerName + " (real stop_app/start_app)" : BrokerName + " (proxy)", "mq",
            new StackPlan(Runners: 3, Slots: 2, AmqpThroughProxy: true),
            real
                ? async _ =>
                {
                    var data = ctx.Options.ServicesDataDir ?? throw new InvalidOperationException("--real-rabbitmq-restart needs --services-data (run.sh passes it)");
                    await SharedServices.RabbitMqAppAsync("stop_app", data, ctx.Say, ctx.Ct);
                    try { await Task.Delay(TimeSpan.FromSeconds(ctx.Options.OutageSeconds), ctx.Ct); }
                    finally { await SharedServices.RabbitMqAppAsync("start_app", data, ctx.Say, CancellationToken.None); }
                }
        : chaos => ProxyOutageAsync(chaos.Amqp!, ctx));
    }

    /// <summary>The service refuses this stack's connections (open ones cut) for the outage, then is back.</summary>
    private static async Task ProxyOutageAsync(Narwhal.Testing.Faults.TcpFaultProxy proxy, ChaosContext ctx)
    {
        proxy.Refuse();
        try
        {
            // The outage's length is the fault itself, not a wait for some state.
            await Task.Delay(TimeSpan.FromSeconds(ctx.Options.OutageSeconds), ctx.Ct);
        }
        finally
        {
            proxy.Restore();
        }
    }

    private static Task<ExperimentRow> RunAsync(ChaosContext ctx, string name, string slug, StackPlan plan, Func<ChaosStack, Task> outage)
    {
        var once = $"{slug}-once";
        var retried = $"{slug}-retried";
        var runs = Math.Max(4, ctx.Options.Runs / 2);
        return Trial.RunAsync(ctx, name, slug, plan, new Dictionary<string, int> { [once] = 0, [retried] = 1 }, ["sleep 2"], async chaos =>
        {
            var fire = Storm.FireAsync(chaos, [once, retried], runs, inFlight: 6, ctx.Ct);
            await Trial.UntilStartsAsync(chaos, 1, TimeSpan.FromSeconds(90), ctx.Ct);
            await Task.Delay(Lead, ctx.Ct);
            var faultAt = DateTime.UtcNow;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await outage(chaos);
            var notes = new List<string> { $"outage from {Lead.TotalSeconds:0.0} s after the first container start, {clock.Elapsed.TotalSeconds:0.0} s long" };
            return new FaultOutcome(await fire, faultAt, Notes: notes);
        });
    }
}
