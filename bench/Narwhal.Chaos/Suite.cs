using Narwhal.Chaos.Experiments;

namespace Narwhal.Chaos;

/// <summary>The experiments in the order of their value, each on a stack of its own; the ones asked for.</summary>
public static class Suite
{
    public static async Task<IReadOnlyList<ExperimentRow>> RunAsync(ChaosContext ctx)
    {
        var rows = new List<ExperimentRow>();
        foreach (var experiment in ctx.Options.Experiments)
        {
            ctx.Ct.ThrowIfCancellationRequested();
            switch (experiment)
            {
                case "runner-kill": rows.Add(await RunnerKill.RunAsync(ctx)); break;
                case "postgres-outage": rows.Add(await Outage.PostgresAsync(ctx)); break;
                case "postgres-cuts": rows.AddRange(await PostgresCuts.RunAsync(ctx)); break;
                case "broker-outage": rows.Add(await Outage.BrokerAsync(ctx)); break;
                case "abort-storm": rows.Add(await AbortStorm.RunAsync(ctx)); break;
                case "process-kill": rows.AddRange(await ProcessKill.RunAsync(ctx)); break;
                case "rabbit-cluster": rows.Add(await RabbitClusterKill.RunAsync(ctx)); break;
                case "pipeline-kill": rows.Add(await PipelineKill.RunAsync(ctx)); break;
            }
        }
        return rows;
    }
}
