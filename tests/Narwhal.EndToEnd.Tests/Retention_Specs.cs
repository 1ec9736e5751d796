using System.Net;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.EndToEnd.Tests;

/// <summary>Retention deletes old runs' stored logs and results and says so; run records and newer results stay.</summary>
[TestFixture]
public sealed class Retention_Specs : StackFixture
{
    [Test]
    public async Task When_a_job_has_more_finished_runs_than_kept_Should_delete_the_older_ones_results_and_answer_410()
    {
        await Stack.StartRunnerAsync("retained");
        await Client.PutFreestyleJobAsync("kept", TestEnvironment.BusyboxImage, "echo run $NARWHAL_RUN_NUMBER");
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var run = await Client.TriggerAsync("kept");
            await Client.WaitForRunEndAsync(run.Str("id"));
            ids.Add(run.Str("id"));
        }
        var store = Stack.Bucket.Store;
        Assert.That(await store.StatAsync($"runs/{ids[0]}/console.log", CancellationToken.None), Is.Not.Null);
        await Stack.Database.ScalarAsync<long>("""
            INSERT INTO github_deliveries (id, event, outcome, received_at) VALUES ('old-delivery', 'ping', 'ignored', now() - interval '40 days'),
                ('new-delivery', 'ping', 'ignored', now() - interval '1 day');
            SELECT 0::bigint
            """);

        await Stack.StartDispatcherAsync(new Dictionary<string, string?>
        {
            ["NARWHAL_RETENTION_KEEP_RUNS"] = "1",
            ["NARWHAL_RETENTION_DAYS"] = "0",
            ["NARWHAL_RETENTION_INTERVAL"] = "0.2",
            ["NARWHAL_OUTBOX_RETENTION_DAYS"] = "0",
        });

        var oldest = await Eventually.UntilAsync(() => Client.GetJsonAsync($"/runs/{ids[0]}"),
            r => r.TryGetProperty("resultsExpiredAt", out _), "retention to expire the oldest run");
        await Eventually.UntilAsync(async () => (await Client.GetJsonAsync($"/runs/{ids[1]}")).TryGetProperty("resultsExpiredAt", out _),
            "retention to expire the second run");

        Assert.That(oldest.Str("status"), Is.EqualTo("succeeded"), "the run record stays");
        var gone = await Client.GetAsync($"/runs/{ids[0]}/results/console");
        Assert.That(gone.StatusCode, Is.EqualTo(HttpStatusCode.Gone));
        Assert.That(await gone.Content.ReadAsStringAsync(), Does.Contain("retention"));
        Assert.That(await store.StatAsync($"runs/{ids[0]}/console.log", CancellationToken.None), Is.Null, "the object is deleted");
        Assert.That(await Client.GetStringAsync($"/runs/{ids[2]}/results/console"), Does.Contain("run 3"), "the newest run keeps its log");
        await Eventually.UntilAsync(async () => await Stack.Database.ScalarAsync<long>("SELECT count(*) FROM outbox") == 0,
            "published outbox rows to be pruned");
        Assert.That(await Stack.Database.ScalarAsync<string>("SELECT string_agg(id, ',') FROM github_deliveries"), Is.EqualTo("new-delivery"),
            "deliveries older than NARWHAL_GITHUB_DELIVERY_RETENTION_DAYS (30) are pruned, newer ones stay");
    }
}
