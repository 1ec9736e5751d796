using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Narwhal.Core.Persistence;
using Narwhal.Testing;
using Narwhal.Testing.Git;
using NUnit.Framework;
using static Narwhal.EndToEnd.Tests.Pipelines.PipelineSteps;

namespace Narwhal.EndToEnd.Tests.Caches;

/// <summary>
/// A step's cache across runs of a repository's pipeline, on the real services: the first run misses and saves,
/// a second run on another Runner finds the files before its script, a changed lockfile is a new key, and a damaged
/// or deleted tar in S3 is a miss with a notice, never a failed step. The runs follow one another, as a team's do.
/// </summary>
[TestFixture]
public sealed class StepCache_Specs : StackFixture
{
    private const string Job = "cached";
    private const string Install = "fresh install";

    private string _root = null!;
    private UpstreamRepository _repo = null!;
    private readonly Dictionary<string, (JsonElement Run, string Console, string Key)> _runs = [];
    private List<string> _listedAfterBump = null!;
    private string _firstObject = null!;
    private bool _firstObjectLeftAfterBump;

    [OneTimeSetUp]
    public async Task Start()
    {
        _root = Directory.CreateTempSubdirectory("narwhal-e2e-cache-").FullName;
        _repo = UpstreamRepository.Create(_root, Job);
        _repo.Commit("pipeline", ("deps.lock", "left-pad 1.0\n"), (".narwhal.yml", $$$"""
            image: {{{TestEnvironment.BusyboxImage}}}
            cache:
              key: 'deps-{{ checksum "deps.lock" }}'
              paths: [deps, tools/cache]
            steps:
              build:
                script:
                  - if [ -f deps/installed.txt ]; then echo "found $(cat deps/installed.txt)"; else mkdir -p deps tools/cache && echo "install-of-$(cat deps.lock | tr ' ' '-')-$$" > deps/installed.txt && echo blob > tools/cache/blob && head -c 102400 /dev/zero > deps/padding && echo "{{{Install}}}"; fi
                  - echo "tools $(cat tools/cache/blob)"
            """));
        var fileRepos = new Dictionary<string, string?> { ["NARWHAL_RUNNER_ALLOW_FILE_REPOS"] = "true" };
        (await Client.PutAsJsonAsync($"/jobs/{Job}", new { type = "git", git = new { url = _repo.FileUrl } }, Json.Options)).EnsureSuccessStatusCode();

        // One Runner saves; another, which has never seen the job, restores.
        var first = await Stack.StartRunnerAsync("cache-runner-1", fileRepos);
        await RunAsync("first");
        _firstObject = await ObjectKeyAsync(_runs["first"].Key);
        await Stack.StopAsync(first);
        // A budget for one cache of this job (a little over 100 KiB each), not two.
        await Stack.StartRunnerAsync("cache-runner-2", new Dictionary<string, string?>(fileRepos) { ["NARWHAL_CACHE_BUDGET_MB"] = "0.15" });
        await RunAsync("second");

        _repo.Commit("bump", ("deps.lock", "left-pad 2.0\n"));
        await RunAsync("bumped");
        _firstObjectLeftAfterBump = await Stack.Bucket.Store.StatAsync(_firstObject, CancellationToken.None) is not null;
        _listedAfterBump = [.. (await Client.GetJsonAsync($"/jobs/{Job}/caches")).GetProperty("items").EnumerateArray().Select(c => c.Str("key"))];

        await Stack.Bucket.Store.PutAsync(await ObjectKeyAsync(_runs["bumped"].Key), new MemoryStream(Encoding.UTF8.GetBytes("not a tar at all")),
            "application/x-tar", CancellationToken.None);
        await RunAsync("damaged");

        await Stack.Bucket.Store.DeleteAsync(await ObjectKeyAsync(_runs["damaged"].Key), CancellationToken.None);
        await RunAsync("deleted");
    }

    protected override Task AfterStackStoppedAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Test]
    public void When_no_cache_of_the_key_exists_Should_say_not_found_run_the_script_in_full_and_save_it()
    {
        var (run, console, key) = _runs["first"];
        Assert.That(run.Str("status"), Is.EqualTo("succeeded"), console);
        Assert.That(key, Does.Match("^deps-[0-9a-f]{40}$"));
        Assert.That(console, Does.Contain($"Cache {key} not found."));
        Assert.That(console, Does.Contain(Install));
        Assert.That(console, Does.Match($@"Cache {key} saved, [0-9.]+ KiB in [0-9.]+ s\."));
    }

    [Test]
    public void When_the_key_was_saved_on_another_runner_Should_restore_every_path_before_the_script()
    {
        var (run, console, key) = _runs["second"];
        Assert.That(run.Str("status"), Is.EqualTo("succeeded"), console);
        Assert.That(key, Is.EqualTo(_runs["first"].Key), "the lockfile did not change");
        Assert.That(console, Does.Match($@"Cache {key} restored, [0-9.]+ KiB in [0-9.]+ s\."));
        Assert.That(console, Does.Contain("found install-of-left-pad-1.0-"), "deps/ came back");
        Assert.That(console, Does.Contain("tools blob"), "tools/cache/ came back, under its parent folder");
        Assert.That(console, Does.Not.Contain(Install));
        Assert.That(console, Does.Not.Contain("saved"), "a restored key is not saved again");
    }

    [Test]
    public void When_the_lockfile_changes_Should_miss_with_a_new_key_and_evict_the_older_cache_beyond_the_budget()
    {
        var (run, console, key) = _runs["bumped"];
        Assert.That(run.Str("status"), Is.EqualTo("succeeded"), console);
        Assert.That(key, Is.Not.EqualTo(_runs["first"].Key));
        Assert.That(key, Is.EqualTo($"deps-{_repo.Git("rev-parse", "HEAD:deps.lock")}"), "the checksum is the file's git object id");
        Assert.That(console, Does.Contain($"Cache {key} not found."));
        Assert.That(console, Does.Contain(Install));
        Assert.That(console, Does.Contain("Evicted 1 least recently used cache of the job"));
        Assert.That(_listedAfterBump, Is.EqualTo(new[] { key }), "the older key went, the new one stayed");
        Assert.That(_firstObjectLeftAfterBump, Is.False, "the evicted tar is deleted from the store");
    }

    [Test]
    public void When_the_stored_tar_is_damaged_Should_drop_it_with_a_notice_run_in_full_succeed_and_save_it_again()
    {
        var (run, console, key) = _runs["damaged"];
        Assert.That(run.Str("status"), Is.EqualTo("succeeded"), console);
        Assert.That(key, Is.EqualTo(_runs["bumped"].Key));
        Assert.That(console, Does.Contain($"Warning: cache {key} is unusable"));
        Assert.That(console, Does.Contain(Install));
        Assert.That(console, Does.Contain($"Cache {key} saved"));
    }

    [Test]
    public void When_the_stored_tar_was_deleted_Should_be_a_miss_with_a_notice_and_succeed()
    {
        var (run, console, key) = _runs["deleted"];
        Assert.That(run.Str("status"), Is.EqualTo("succeeded"), console);
        Assert.That(console, Does.Contain($"Warning: cache {key} is unusable (its object is missing from storage)"));
        Assert.That(console, Does.Contain(Install));
    }

    [Test]
    public async Task When_the_caches_are_cleared_Should_list_none_and_leave_no_tar()
    {
        Assert.That((await Client.DeleteAsync($"/jobs/{Job}/caches")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        var listed = await Client.GetJsonAsync($"/jobs/{Job}/caches");
        Assert.That(listed.GetProperty("items").GetArrayLength(), Is.Zero);
        var left = new List<string>();
        await foreach (var stored in Stack.Bucket.Store.ListAsync("caches/", CancellationToken.None)) left.Add(stored.Key);
        Assert.That(left, Is.Empty);
    }

    /// <summary>Triggers the job, waits for it, and keeps the step's console and the key it resolved.</summary>
    private async Task RunAsync(string name)
    {
        var runId = (await Client.TriggerAsync(Job)).Str("id");
        var run = await Client.WaitForRunEndAsync(runId);
        var console = await ConsoleAsync(Client, runId, "build");
        var key = System.Text.RegularExpressions.Regex.Match(console, @"[Cc]ache (deps-[0-9a-f]+)").Groups[1].Value;
        _runs[name] = (run, console, key);
    }

    private Task<string> ObjectKeyAsync(string key) => Stack.Database.ScalarAsync<string>(
        "SELECT c.object_key FROM job_caches c JOIN jobs j ON j.id = c.job_id WHERE j.name = @job AND c.key = @key", new { job = Job, key });
}
