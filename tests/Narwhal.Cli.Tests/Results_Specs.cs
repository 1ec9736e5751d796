using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Narwhal.Core.Persistence;
using Narwhal.Testing;
using Narwhal.Testing.Git;
using NUnit.Framework;

namespace Narwhal.Cli.Tests;

/// <summary>
/// results and results download against a real Api and Runner: a git job whose reports hold a real
/// JUnit failure (a pytest report from /work/shared/fixtures), artifacts and a console log.
/// </summary>
[TestFixture]
public sealed class Results_Specs : StackFixture
{
    private string _root = null!;
    private string _testedId = null!;
    private string _plainId = null!;

    public static string SharedFixture(string relative) => File.ReadAllText(RepositoryFiles.SharedFixture("junit", relative));

    [OneTimeSetUp]
    public async Task Start()
    {
        _root = Directory.CreateTempSubdirectory("narwhal-cli-results-").FullName;
        await Stack.StartRunnerAsync("cli-results-runner", new Dictionary<string, string?> { ["NARWHAL_RUNNER_ALLOW_FILE_REPOS"] = "true" });
        await PutReportingJobAsync(Client, _root, "tested");
        (await Client.PutFreestyleJobAsync("plain", TestEnvironment.BusyboxImage, "echo plain output")).EnsureSuccessStatusCode();
        _testedId = (await Client.TriggerAsync("tested")).Str("id");
        _plainId = (await Client.TriggerAsync("plain")).Str("id");
        Assert.That((await Client.WaitForRunEndAsync(_testedId)).Str("status"), Is.EqualTo("failed"));
        Assert.That((await Client.WaitForRunEndAsync(_plainId)).Str("status"), Is.EqualTo("succeeded"));
    }

    /// <summary>
    /// A git job (file:// repository under <paramref name="root"/>; the Runner needs NARWHAL_RUNNER_ALLOW_FILE_REPOS)
    /// whose run fails (exit 1) after leaving a pytest report with one failure, an unparseable report,
    /// two artifacts and "hello from the tested run" in its console.
    /// </summary>
    public static async Task PutReportingJobAsync(HttpClient client, string root, string name)
    {
        var repo = UpstreamRepository.Create(root, name);
        repo.Commit("reports",
            ("reports/pytest.xml", SharedFixture("pytest/enricomi-junit.fail.xml")),
            ("reports/broken.xml", SharedFixture("malformed/corrupt-xml.xml")),
            (".narwhal.yml", $$"""
                image: {{TestEnvironment.BusyboxImage}}
                script:
                  - mkdir -p dist/sub && echo "build output" > dist/app.txt && echo "nested" > dist/sub/deep.txt
                  - echo "hello from the tested run"
                  - exit 1
                results:
                  junit: ["reports/*.xml"]
                  artifacts: ["dist/**"]
                """));
        (await client.PutAsJsonAsync($"/jobs/{name}", new { type = "git", git = new { url = repo.FileUrl } }, Json.Options)).EnsureSuccessStatusCode();
    }

    protected override Task AfterStackStoppedAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    private Cli NewCli() => new(Stack.ApiUrl, TestStack.AdminToken);

    private string NewDir() => Path.Combine(_root, "out-" + Guid.NewGuid().ToString("N"));

    [Test]
    public async Task Results_of_a_run_with_a_failed_test_Should_show_the_totals_and_the_failed_test()
    {
        using var cli = NewCli();
        var result = await cli.RunAsync("results", "tested/1");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.Stdout, Does.Contain("5 (3 passed, 1 failed, 0 errors, 1 skipped)"));
        Assert.That(result.Stdout, Does.Contain("2 file(s), 1 could not be parsed").And.Contain("reports/broken.xml"));
        var header = result.Stdout.Split('\n').Single(l => l.StartsWith("SUITE", StringComparison.Ordinal));
        Assert.That(header, Does.Contain("CLASS").And.Contain("NAME").And.Contain("MESSAGE"));
        var row = result.Stdout.Split('\n').Single(l => l.Contains("test_rsh_events"));
        Assert.That(row, Does.Contain("pytest").And.Contain("test.test_spark.SparkTests").And.Contain("failure")
            .And.Contain("self = <test_spark.SparkTests testMethod=test_rsh_events> def test_rsh_events(self):"),
            "the message on one line, whitespace collapsed");
        Assert.That(row, Does.EndWith("…").And.Not.Contain("AssertionError"), "a long message is cut to fit the table");
    }

    [Test]
    public async Task Results_in_json_Should_print_the_APIs_summary()
    {
        using var cli = NewCli();
        var result = await cli.RunAsync("results", _testedId, "-o", "json");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.Json.GetProperty("totals").GetProperty("tests").GetInt32(), Is.EqualTo(5));
        Assert.That(result.Json.GetProperty("failures")[0].Str("name"), Is.EqualTo("test_rsh_events"));

        var api = await Client.GetJsonAsync($"/runs/{_testedId}/results/junit/summary");
        Assert.That(JsonSerializer.Serialize(result.Json), Is.EqualTo(JsonSerializer.Serialize(api)), "the API's JSON as it answered");
    }

    [Test]
    public async Task Results_of_a_run_without_junit_Should_exit_13_and_list_what_the_run_has()
    {
        using var cli = NewCli();
        var result = await cli.RunAsync("results", "plain/1");
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.NotFound), result.ToString());
        Assert.That(result.Stderr, Does.Contain("no JUnit summary"));
        Assert.That(result.Stdout, Does.Contain("The run has no JUnit summary"));
        Assert.That(result.Stdout, Does.Match(@"Console:\s+\d+ B"));
        Assert.That(result.Stdout, Does.Match(@"JUnit reports:\s+none"));
        Assert.That(result.Stdout, Does.Match(@"Artifacts:\s+none"));

        var json = await cli.RunAsync("results", "plain/1", "-o", "json");
        Assert.That(json.ExitCode, Is.EqualTo(ExitCodes.NotFound), json.ToString());
        Assert.That(json.Json.GetProperty("console").GetProperty("available").GetBoolean(), Is.True, "the results overview");

        var missing = await cli.RunAsync("results", Guid.NewGuid().ToString());
        Assert.That(missing.ExitCode, Is.EqualTo(ExitCodes.NotFound), missing.ToString());
        Assert.That(missing.Stderr, Does.Contain("No run with id"));
    }

    [Test]
    public async Task Download_Should_save_the_junit_zip_each_artifact_and_the_console()
    {
        var dir = NewDir();
        using var cli = NewCli();
        var result = await cli.RunAsync("results", "download", "tested/1", "--output-dir", dir);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());

        using (var zip = ZipFile.OpenRead(Path.Combine(dir, "junit.zip")))
        {
            Assert.That(zip.Entries.Select(e => e.FullName), Is.EquivalentTo(new[] { "reports/broken.xml", "reports/pytest.xml" }));
            using var reader = new StreamReader(zip.GetEntry("reports/pytest.xml")!.Open());
            Assert.That(await reader.ReadToEndAsync(), Is.EqualTo(SharedFixture("pytest/enricomi-junit.fail.xml")));
        }
        Assert.That(await File.ReadAllTextAsync(Path.Combine(dir, "artifacts", "dist", "app.txt")), Is.EqualTo("build output\n"));
        Assert.That(await File.ReadAllTextAsync(Path.Combine(dir, "artifacts", "dist", "sub", "deep.txt")), Is.EqualTo("nested\n"));
        var console = await File.ReadAllTextAsync(Path.Combine(dir, "console.log"));
        Assert.That(console, Does.Contain("hello from the tested run"));
        Assert.That(console, Is.EqualTo(await Client.GetStringAsync($"/runs/{_testedId}/results/console")));
        Assert.That(Directory.EnumerateFiles(dir, "*.part", SearchOption.AllDirectories), Is.Empty);

        Assert.That(result.Stdout, Does.Contain($"saved {Path.Join(dir, "junit.zip")} ("));
        Assert.That(result.Stdout, Does.Contain($"saved {Path.Join(dir, "artifacts", "dist/app.txt")} (13 B)"));
        Assert.That(result.Stdout, Does.Contain($"saved {Path.Join(dir, "console.log")} ("));
    }

    [Test]
    public async Task Download_in_json_Should_list_the_saved_files_with_sizes()
    {
        var dir = NewDir();
        using var cli = NewCli();
        var result = await cli.RunAsync("results", "download", _testedId, "--kind", "artifacts,console", "--output-dir", dir, "-o", "json");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var files = result.Json.EnumerateArray().ToList();
        Assert.That(files.Select(f => f.Str("kind")), Is.EquivalentTo(new[] { "artifacts", "artifacts", "console" }));
        foreach (var f in files)
            Assert.That(new FileInfo(f.Str("path")).Length, Is.EqualTo(f.GetProperty("size").GetInt64()), f.ToString());
        Assert.That(File.Exists(Path.Combine(dir, "junit.zip")), Is.False, "only the kinds asked for");
    }

    [Test]
    public async Task Download_with_o_and_a_directory_Should_save_there_and_o_json_Should_stay_the_format()
    {
        // -o DIR is the first guess of curl and wget users; -o json must keep meaning JSON on every command.
        var dir = NewDir();
        using var cli = NewCli();
        var plain = await cli.RunAsync("results", "download", "plain/1", "--kind", "console", "-o", dir);
        Assert.That(plain.ExitCode, Is.EqualTo(0), plain.ToString());
        Assert.That(await File.ReadAllTextAsync(Path.Combine(dir, "console.log")), Does.Contain("plain output"));

        var other = NewDir();
        var both = await cli.RunAsync("results", "download", "plain/1", "--kind", "console", "-o", other, "-o", "json");
        Assert.That(both.ExitCode, Is.EqualTo(0), both.ToString());
        Assert.That(both.Json.EnumerateArray().Single().Str("path"), Is.EqualTo(Path.Combine(other, "console.log")));

        var elsewhere = await cli.RunAsync("runs", "list", "-o", dir);
        Assert.That(elsewhere.ExitCode, Is.EqualTo(ExitCodes.Usage), "only results download takes a directory: " + elsewhere);
    }

    [Test]
    public async Task Download_of_a_kind_the_run_lacks_Should_exit_13_but_skip_it_by_default()
    {
        using var cli = NewCli();
        var asked = await cli.RunAsync("results", "download", "plain/1", "--kind", "junit", "--output-dir", NewDir());
        Assert.That(asked.ExitCode, Is.EqualTo(ExitCodes.NotFound), asked.ToString());
        Assert.That(asked.Stderr, Does.Contain("no JUnit reports"));

        var dir = NewDir();
        var all = await cli.RunAsync("results", "download", "plain/1", "--output-dir", dir);
        Assert.That(all.ExitCode, Is.EqualTo(0), all.ToString());
        Assert.That(all.Stderr, Does.Contain("skipped junit").And.Contain("skipped artifacts"));
        Assert.That(await File.ReadAllTextAsync(Path.Combine(dir, "console.log")), Does.Contain("plain output"));

        var wrongKind = await cli.RunAsync("results", "download", "plain/1", "--kind", "logs");
        Assert.That(wrongKind.ExitCode, Is.EqualTo(ExitCodes.Usage), wrongKind.ToString());
    }

    [Test]
    public async Task When_the_server_lists_an_artifact_path_escaping_the_directory_Should_refuse_it_and_save_the_rest()
    {
        var id = Guid.NewGuid();
        var dir = NewDir();
        var outside = Path.Combine(Path.GetDirectoryName(dir)!, "escaped.txt");
        using var handler = new HostileServer(id);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var env = new Dictionary<string, string?> { ["NARWHAL_URL"] = "http://narwhal.invalid/", ["NARWHAL_TOKEN"] = "t", ["HOME"] = _root };
        var code = await Program.RunAsync(["results", "download", id.ToString(), "--output-dir", dir], stdout, stderr, env, handler: handler);

        Assert.That(code, Is.EqualTo(ExitCodes.Api), $"{stdout}\n{stderr}");
        Assert.That(stderr.ToString(), Does.Contain("refused artifact path '../escaped.txt'").And.Contain("refused artifact path '/etc/narwhal-escape'"));
        Assert.That(File.Exists(outside), Is.False);
        Assert.That(handler.Requested, Has.None.Contain("escape"), "a refused path is never even requested");
        Assert.That(await File.ReadAllTextAsync(Path.Combine(dir, "artifacts", "ok.txt")), Is.EqualTo("fine"));
    }

    [TestCase("../x")]
    [TestCase("a/../../x")]
    [TestCase("/etc/passwd")]
    [TestCase("a//b")]
    [TestCase("./a")]
    [TestCase("a\\..\\..\\x")]
    [TestCase("a/\u0000b")]
    [TestCase("")]
    public void A_path_that_escapes_or_is_odd_Should_have_no_file_inside(string relative) =>
        Assert.That(ApiDownloads.FileInside("/tmp/out", relative), Is.Null);

    [Test]
    public void A_plain_relative_path_Should_stay_inside() =>
        Assert.That(ApiDownloads.FileInside("/tmp/out", "dist/a b/app..txt"), Is.EqualTo(Path.GetFullPath("/tmp/out/dist/a b/app..txt")));

    /// <summary>A server whose results overview names paths outside the download directory.</summary>
    private sealed class HostileServer(Guid id) : HttpMessageHandler
    {
        public List<string> Requested { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var path = request.RequestUri!.AbsolutePath;
            Requested.Add(path);
            var (type, body) = path switch
            {
                _ when path == $"/runs/{id}" => ("application/json", $$"""{ "id": "{{id}}", "job": "evil", "number": 1, "status": "succeeded" }"""),
                _ when path == $"/runs/{id}/results" => ("application/json", """
                    { "console": { "available": false }, "junit": [], "junitSummary": null, "expiredAt": null,
                      "artifacts": [ { "path": "../escaped.txt", "size": 4 }, { "path": "/etc/narwhal-escape", "size": 4 }, { "path": "ok.txt", "size": 4 } ] }
                    """),
                _ when path == $"/runs/{id}/results/artifacts/ok.txt" => ("text/plain", "fine"),
                _ => ("", ""),
            };
            return Task.FromResult(type.Length == 0
                ? new HttpResponseMessage(HttpStatusCode.NotFound)
                : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, type) });
        }
    }
}
