using Narwhal.Core.Jobs;
using Narwhal.Core.Runs;
using Narwhal.Testing;
using Npgsql;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Pipelines;

/// <summary>
/// What 0012 changes for every run: the status names the database accepts, and commit statuses,
/// which a step row never reports (its run does, from the parent row).
/// </summary>
[TestFixture]
public sealed class PipelineSchema_Specs : DatabaseFixture
{
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";

    [TestCaseSource(typeof(RunStatusNames), nameof(RunStatusNames.All))]
    public async Task When_a_run_is_stored_with_a_status_name_Should_be_accepted_by_the_check(string status)
    {
        var (_, run, _) = await RunSeeder.QueuedRunAsync(Database.DataSource, $"status-{status}");

        Assert.That(await Database.ExecuteAsync("UPDATE runs SET status = @status WHERE id = @id", new { id = run.Id, status }), Is.EqualTo(1));
    }

    [Test]
    public async Task When_a_status_is_not_a_run_status_Should_be_refused()
    {
        var (_, run, _) = await RunSeeder.QueuedRunAsync(Database.DataSource, "status-bogus");

        Assert.That(async () => await Database.ExecuteAsync("UPDATE runs SET status = 'paused' WHERE id = @id", new { id = run.Id }),
            Throws.InstanceOf<PostgresException>().With.Property(nameof(PostgresException.ConstraintName)).EqualTo("runs_status_check"));
    }

    [Test]
    public async Task When_the_steps_of_a_job_reporting_commit_statuses_run_Should_report_only_the_runs_own_statuses()
    {
        var spec = RunSeeder.Freestyle() with { Github = new GithubSettings { CommitStatuses = true } };
        var pipeline = await PipelineRows.PlanAsync(Database, "reports-statuses", [new("build"), new("test", "build")], spec: spec, commitSha: Commit);

        await pipeline.RunAsync("build", RunStatus.Succeeded);
        await pipeline.RunAsync("test", RunStatus.Succeeded);

        Assert.That(await Database.ScalarAsync<long>(
            "SELECT count(*) FROM commit_status_updates WHERE run_id <> @parent", new { parent = pipeline.ParentId }), Is.Zero,
            "step rows report nothing");
        Assert.That(await Database.ScalarAsync<string>(
            "SELECT string_agg(run_status, ',' ORDER BY id) FROM commit_status_updates WHERE run_id = @parent", new { parent = pipeline.ParentId }),
            Is.EqualTo("running,succeeded"), "the commit became known while running (the plan), then the run succeeded");
    }
}
