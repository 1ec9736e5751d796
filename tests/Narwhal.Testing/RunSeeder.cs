using Narwhal.Api.Jobs;
using Narwhal.Api.Runs;
using Narwhal.Core.Jobs;
using Narwhal.Core.Runs;
using Npgsql;

namespace Narwhal.Testing;

/// <summary>Builds jobs and runs straight in the database, for tests below the HTTP layer.</summary>
public static class RunSeeder
{
    public static JobSpec Freestyle(params string[] script) => new()
    {
        Type = JobType.Freestyle,
        ResourceClass = "small",
        Image = TestEnvironment.BusyboxImage,
        Script = script.Length == 0 ? ["echo seeded"] : script,
    };

    public static async Task<(Job Job, Run Run, long OutboxId)> QueuedRunAsync(NpgsqlDataSource db, string jobName, JobSpec? spec = null)
    {
        var (job, _) = await new JobStore(db).SaveAsync(jobName, spec ?? Freestyle(), CancellationToken.None);
        var result = await new RunStore(db, TimeProvider.System).CreateAsync(new NewRun
        {
            JobId = job.Id,
            JobName = job.Name,
            ResourceClass = job.Spec.ResourceClass,
            Parameters = new Dictionary<string, string>(),
            Trigger = new RunTrigger { Kind = TriggerKind.Api, TokenName = "seeder" },
        }, CancellationToken.None);
        return (job, result.Run!, result.OutboxId!.Value);
    }
}
