using System.Diagnostics;
using Narwhal.Core.Messaging;

namespace Narwhal.Chaos.Experiments;

/// <summary>
/// Experiment 7: a three-node RabbitMQ cluster of the suite's own (<see cref="RabbitCluster"/>), the
/// Api on node 1, the Dispatcher on node 3, the Runners on nodes 2 and 3; node 2 gets <c>kill -9</c>
/// near the end of the first runs and is started again after <c>--outage-seconds</c>, when it rejoins.
/// The run queue is a quorum queue with a replica on every node, so its messages survive the node;
/// the Runners connected to node 2 wait (the client recovers to the same address) until it is back.
/// </summary>
public static class RabbitClusterKill
{
    public const string Name = "7 rabbitmq cluster node kill -9";
    /// <summary>The node that dies: the one two of the three Runners use, none of the Api or the Dispatcher.</summary>
    private const int Victim = 2;
    /// <summary>After the first container starts: the runs sleep 2 s, so the loss covers their end and the next claims.</summary>
    private static readonly TimeSpan Lead = TimeSpan.FromSeconds(1.5);

    public static async Task<ExperimentRow> RunAsync(ChaosContext ctx)
    {
        ctx.Say($"{Name}: starting a RabbitMQ cluster of three nodes (about a minute)…");
        RabbitCluster cluster;
        try
        {
            cluster = await RabbitCluster.StartAsync(ctx.Say, ctx.Ct);
        }
        catch (Exception ex) when (!ctx.Ct.IsCancellationRequested)
        {
            ctx.Say($"{Name}: could not run: {ex.Message}");
            return ExperimentRow.Broken(Name, $"the RabbitMQ cluster did not start: {ex.Message.Split('\n')[0]}");
        }
        await using (cluster)
        {
            var plan = new StackPlan(Runners: 3, Slots: 2, Cluster: new ClusterRoute(cluster, ApiNode: 1, DispatcherNode: 3, RunnerNodes: [2, 3]));
            var runs = Math.Max(4, ctx.Options.Runs / 2);
            return await Trial.RunAsync(ctx, Name, "rmqc", plan, new Dictionary<string, int> { ["rmqc-once"] = 0, ["rmqc-retried"] = 1 }, ["sleep 2"],
                async chaos =>
                {
                    var queue = RunQueues.QueueName("small");
                    var members = await cluster.MembersAsync(chaos.Stack.Vhost.Name, queue, ctx.Ct);
                    var fire = Storm.FireAsync(chaos, ["rmqc-once", "rmqc-retried"], runs, inFlight: 6, ctx.Ct);
                    await Trial.UntilStartsAsync(chaos, 1, TimeSpan.FromSeconds(90), ctx.Ct);
                    await Task.Delay(Lead, ctx.Ct);
                    await cluster.KillAsync(Victim, ctx.Ct);
                    var faultAt = DateTime.UtcNow;
                    var clock = Stopwatch.StartNew();
                    // How long the node stays dead is the fault itself, not a wait for some state.
                    await Task.Delay(TimeSpan.FromSeconds(ctx.Options.OutageSeconds), ctx.Ct);
                    var dead = clock.Elapsed;
                    await cluster.StartNodeAsync(Victim, ctx.Ct);
                    var notes = new List<string>
                    {
                        $"quorum queue {queue}: {members.Count} replica(s) ({string.Join(", ", members)}) before the kill",
                        $"{RabbitCluster.NodeName(Victim)} killed {Lead.TotalSeconds:0.0} s after the first container start, dead {dead.TotalSeconds:0.0} s, " +
                        $"running again {clock.Elapsed.TotalSeconds:0.0} s after the kill",
                    };
                    return new FaultOutcome(await fire, faultAt, Notes: notes);
                });
        }
    }
}
