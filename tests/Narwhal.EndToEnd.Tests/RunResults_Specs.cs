using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using Narwhal.Core.Persistence;
using Narwhal.Testing;
using Narwhal.Testing.Git;
using NUnit.Framework;

namespace Narwhal.EndToEnd.Tests;

/// <summary>JUnit reports and artifacts copied out of the container, summarised and downloadable.</summary>
[TestFixture]
public sealed class RunResults_Specs : StackFixture
{
    private string _root = null!;
    private string _runId = null!;
    private string _log = null!;

    private static string SharedFixture(string relative) => File.ReadAllText(RepositoryFiles.SharedFixture("junit", relative));

    [OneTimeSetUp]
    public async Task Start()
    {
        _root = Directory.CreateTempSubdirectory("narwhal-e2e-results-").FullName;
        var repo = UpstreamRepository.Create(_root, "tested");
        repo.Commit("reports",
            ("reports/pytest.xml", SharedFixture("pytest/enricomi-junit.fail.xml")),
            ("reports/broken.xml", SharedFixture("malformed/corrupt-xml.xml")),
            (".narwhal.yml", $$"""
                image: {{TestEnvironment.BusyboxImage}}
                script:
                  - mkdir -p dist && echo "build output" > dist/app.txt && echo '[1,2]' > dist/meta.json
                  - exit 1
                results:
                  junit: ["reports/*.xml"]
                  artifacts: ["dist/**", "coverage/**"]
                """));
        await Stack.StartRunnerAsync("results-runner", new Dictionary<string, string?> { ["NARWHAL_RUNNER_ALLOW_FILE_REPOS"] = "true" });
        (await Client.PutAsJsonAsync("/jobs/tested", new { type = "git", git = new { url = repo.FileUrl } }, Json.Options)).EnsureSuccessStatusCode();
        var run = await Client.TriggerAsync("tested");
        _runId = run.Str("id");
        var done = await Client.WaitForRunEndAsync(_runId);
        Assert.That(done.Str("status"), Is.EqualTo("failed"), "results are collected whatever the script's outcome");
        _log = await Client.GetStringAsync($"/runs/{_runId}/results/console");
    }

    protected override Task AfterStackStoppedAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Test]
    public async Task When_results_are_listed_Should_name_the_reports_and_artifacts_with_sizes()
    {
        var overview = await Client.GetJsonAsync($"/runs/{_runId}/results");

        Assert.That(overview.GetProperty("junit").EnumerateArray().Select(f => f.Str("path")), Is.EquivalentTo(new[] { "reports/broken.xml", "reports/pytest.xml" }));
        var artifacts = overview.GetProperty("artifacts").EnumerateArray().ToList();
        Assert.That(artifacts.Select(a => a.Str("path")), Is.EquivalentTo(new[] { "dist/app.txt", "dist/meta.json" }));
        Assert.That(artifacts.Single(a => a.Str("path") == "dist/app.txt").GetProperty("size").GetInt64(), Is.EqualTo("build output\n".Length));
        Assert.That(overview.GetProperty("console").GetProperty("available").GetBoolean(), Is.True);
    }

    [Test]
    public async Task When_the_junit_summary_is_asked_Should_count_what_the_reports_contain_and_list_failures_and_unparseable_files()
    {
        var summary = await Client.GetJsonAsync($"/runs/{_runId}/results/junit/summary");
        var totals = summary.GetProperty("totals");

        Assert.That(totals.GetProperty("tests").GetInt32(), Is.EqualTo(5));
        Assert.That(totals.GetProperty("failures").GetInt32(), Is.EqualTo(1));
        Assert.That(totals.GetProperty("errors").GetInt32(), Is.EqualTo(0));
        Assert.That(totals.GetProperty("skipped").GetInt32(), Is.EqualTo(1));
        var failure = summary.GetProperty("failures")[0];
        Assert.That(failure.Str("name"), Is.Not.Empty);
        Assert.That(summary.GetProperty("unparseable")[0].Str("fileName"), Is.EqualTo("reports/broken.xml"));
        Assert.That(_log, Does.Contain("reports/broken.xml could not be parsed"));
    }

    [Test]
    public async Task When_the_junit_zip_is_downloaded_Should_hold_the_xml_files_byte_for_byte()
    {
        var response = await Client.GetAsync($"/runs/{_runId}/results/junit");
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/zip"));
        using var zip = new ZipArchive(await response.Content.ReadAsStreamAsync());

        Assert.That(zip.Entries.Select(e => e.FullName), Is.EquivalentTo(new[] { "reports/broken.xml", "reports/pytest.xml" }));
        using var reader = new StreamReader(zip.GetEntry("reports/pytest.xml")!.Open());
        Assert.That(await reader.ReadToEndAsync(), Is.EqualTo(SharedFixture("pytest/enricomi-junit.fail.xml")));
    }

    [Test]
    public async Task When_an_artifact_is_downloaded_Should_stream_it_with_type_length_and_caching()
    {
        var response = await Client.GetAsync($"/runs/{_runId}/results/artifacts/dist/meta.json");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/json"));
        Assert.That(response.Content.Headers.ContentLength, Is.EqualTo("[1,2]\n".Length));
        Assert.That(response.Headers.ETag, Is.Not.Null);
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("[1,2]\n"));
    }

    [TestCase("dist/../dist/app.txt")]
    [TestCase("dist/%2e%2e/dist/app.txt")]
    [TestCase("%2e%2e/%2e%2e/etc/passwd")]
    [TestCase("dist%2fapp.txt")]
    public async Task When_an_artifact_path_climbs_or_is_encoded_Should_be_refused(string path)
    {
        // Sent as written: HttpClient would otherwise remove the dot segments before the server sees them.
        var url = new Uri($"{Client.BaseAddress!.ToString().TrimEnd('/')}/runs/{_runId}/results/artifacts/{path}",
            new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        var raw = new HttpRequestMessage(HttpMethod.Get, url);
        var response = await Client.SendAsync(raw);

        Assert.That((int)response.StatusCode, Is.AnyOf(400, 404));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Not.Contain("root:"));
    }

    [Test]
    public void When_a_pattern_matches_nothing_Should_warn_in_the_log()
    {
        Assert.That(_log, Does.Contain("results.artifacts pattern coverage/** matched no file"));
        Assert.That(_log, Does.Not.Contain("pattern dist/** matched no file"));
        Assert.That(_log, Does.Not.Contain("pattern reports/*.xml matched no file"));
    }

    [Test]
    public async Task When_the_run_times_out_Should_still_collect_the_reports_written_before()
    {
        var repo = UpstreamRepository.Create(_root, "slow-tests");
        repo.Commit("slow", (".narwhal.yml", $$"""
            image: {{TestEnvironment.BusyboxImage}}
            timeout: 3s
            script:
              - mkdir -p out && printf '<testsuite name="s"><testcase classname="c" name="t"/></testsuite>' > out/TEST-s.xml
              - sleep 300
            results:
              junit: ["out/*.xml"]
            """));
        (await Client.PutAsJsonAsync("/jobs/slow-tests", new { type = "git", git = new { url = repo.FileUrl } }, Json.Options)).EnsureSuccessStatusCode();
        var run = await Client.TriggerAsync("slow-tests");
        var done = await Client.WaitForRunEndAsync(run.Str("id"));

        Assert.That(done.Str("status"), Is.EqualTo("timed_out"));
        var summary = await Client.GetJsonAsync($"/runs/{run.Str("id")}/results/junit/summary");
        Assert.That(summary.GetProperty("totals").GetProperty("tests").GetInt32(), Is.EqualTo(1));
    }
}
