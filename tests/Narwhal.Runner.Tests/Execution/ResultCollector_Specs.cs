using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Narwhal.Core.Results;
using Narwhal.Runner.Claiming;
using Narwhal.Runner.Execution;
using Narwhal.Runner.JobConfigs;
using Narwhal.Runner.Tests.Docker;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Execution;

/// <summary>
/// Result collection against the real engine, Postgres and S3: a busybox container leaves files in
/// /workspace, <see cref="ResultCollector"/> copies them out. What a job leaves behind is arbitrary —
/// odd names, empty files, secrets in its test reports — and none of it may cost the run its other results.
/// </summary>
[TestFixture]
public sealed class ResultCollector_Specs : DockerEngineTestBase
{
    private const string Secret = "hunter2-s3cr3t-value";

    private TestDatabase _db = null!;
    private TestBucket _bucket = null!;
    private string _spoolDirectory = null!;

    [OneTimeSetUp]
    public async Task StartServices()
    {
        _db = await TestDatabase.CreateAsync();
        _bucket = await TestBucket.CreateAsync();
        _spoolDirectory = Path.Combine(Path.GetTempPath(), $"narwhal-results-specs-{Guid.NewGuid():N}");
    }

    [OneTimeTearDown]
    public async Task StopServices()
    {
        await _bucket.DisposeAsync();
        await _db.DisposeAsync();
        if (Directory.Exists(_spoolDirectory)) Directory.Delete(_spoolDirectory, recursive: true);
    }

    [Test]
    public async Task When_files_have_odd_names_Should_skip_them_with_a_warning_and_collect_all_the_others()
    {
        // Names sort around the odd ones, so files both before and after them in the archive must survive.
        var collected = await CollectAsync("""
            mkdir -p reports dist
            printf '<testsuite name="first"><testcase name="a"/></testsuite>' > reports/a-good.xml
            printf '<testsuite/>' > 'reports/b\back.xml'
            printf '<testsuite/>' > "reports/c
            newline.xml"
            printf '<testsuite/>' > "reports/d$(printf '\377')latin.xml"
            printf '<testsuite name="last"><testcase name="z"><failure message="boom"/></testcase></testsuite>' > reports/z-good.xml
            printf 'a' > dist/a.txt
            printf 'b' > 'dist/b\back.txt'
            printf 'c' > "dist/c
            newline.txt"
            printf 'd' > "dist/d$(printf '\377')latin.txt"
            printf 'z' > dist/z.txt
            """, new ResultsConfig { Junit = ["reports/*.xml"], Artifacts = ["dist/**"] });

        Assert.Multiple(() =>
        {
            Assert.That(collected.Files.Where(f => f.Kind == RunFileKind.Junit).Select(f => f.Path),
                Is.EquivalentTo(new[] { "reports/a-good.xml", "reports/z-good.xml" }));
            Assert.That(collected.Files.Where(f => f.Kind == RunFileKind.Artifact).Select(f => f.Path),
                Is.EquivalentTo(new[] { "dist/a.txt", "dist/z.txt" }));
            Assert.That(collected.Summary, Is.Not.Null, "the JUnit summary");
            Assert.That(collected.Summary!.Totals.Tests, Is.EqualTo(2));
            Assert.That(collected.Summary.Totals.Failures, Is.EqualTo(1));
            Assert.That(collected.Log, Does.Contain(@"[narwhal] Warning: skipped reports/b\\back.xml:"));
            Assert.That(collected.Log, Does.Contain(@"[narwhal] Warning: skipped reports/c\nnewline.xml:"));
            Assert.That(collected.Log, Does.Contain(@"[narwhal] Warning: skipped reports/d\uFFFDlatin.xml:"));
            Assert.That(collected.Log, Does.Contain(@"[narwhal] Warning: skipped dist/b\\back.txt:"));
            Assert.That(collected.Log, Does.Contain(@"[narwhal] Warning: skipped dist/c\nnewline.txt:"));
            Assert.That(collected.Log, Does.Contain(@"[narwhal] Warning: skipped dist/d\uFFFDlatin.txt:"));
            Assert.That(collected.Log, Does.Not.Contain("collecting results failed"));
            Assert.That(collected.Log.Split('\n').Count(line => line.StartsWith("[narwhal]", StringComparison.Ordinal)),
                Is.EqualTo(6), "one warning line per skipped file, each on one line");
        });
    }

    [Test]
    public async Task When_files_are_empty_Should_keep_the_artifact_and_count_the_report_as_unparseable()
    {
        var collected = await CollectAsync("""
            mkdir -p reports dist
            : > reports/empty.xml
            printf '<testsuite name="s"><testcase name="a"/></testsuite>' > reports/good.xml
            : > dist/empty.bin
            """, new ResultsConfig { Junit = ["reports/*.xml"], Artifacts = ["dist/*"] });

        Assert.Multiple(() =>
        {
            Assert.That(collected.Files.Select(f => (f.Kind, f.Path, f.Size)), Is.EquivalentTo(new[]
            {
                (RunFileKind.Junit, "reports/empty.xml", 0L),
                (RunFileKind.Junit, "reports/good.xml", 52L),
                (RunFileKind.Artifact, "dist/empty.bin", 0L),
            }));
            Assert.That(collected.Summary!.Files, Is.EqualTo(2));
            Assert.That(collected.Summary.ParsedFiles, Is.EqualTo(1));
            Assert.That(collected.Summary.Unparseable.Select(u => u.FileName), Is.EqualTo(new[] { "reports/empty.xml" }));
            Assert.That(collected.Log, Does.Contain("[narwhal] Warning: JUnit report reports/empty.xml could not be parsed"));
            Assert.That(collected.Log, Does.Not.Contain("matched no file"));
        });
    }

    [Test]
    public async Task When_a_report_holds_a_secret_Should_store_the_summary_masked_and_the_files_as_they_are()
    {
        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(Secret));
        var collected = await CollectAsync($$"""
            mkdir -p reports dist
            cat > reports/leaky.xml <<'EOF'
            <testsuite name="suite-{{Secret}}">
              <testcase classname="C" name="uses {{Secret}}">
                <failure message="expected {{Secret}}" type="Assert">at line 1: {{base64}}</failure>
                <system-out>token={{Secret}}</system-out>
                <system-err>err {{Uri.EscapeDataString(Secret)}}</system-err>
              </testcase>
            </testsuite>
            EOF
            printf '<testsuite><testcase name="x">' > 'reports/broken-{{Secret}}.xml'
            printf '{{Secret}}' > dist/secret.txt
            """, new ResultsConfig { Junit = ["reports/*.xml"], Artifacts = ["dist/*"] }, secrets: [Secret]);

        var summaryJson = await ReadAsync(ResultCollector.SummaryKey(collected.RunId));
        var artifact = await ReadAsync(collected.Files.Single(f => f.Kind == RunFileKind.Artifact).ObjectKey);
        Assert.Multiple(() =>
        {
            Assert.That(summaryJson, Does.Not.Contain(Secret));
            Assert.That(summaryJson, Does.Not.Contain(base64));
            var failure = collected.Summary!.Failures.Single();
            Assert.That(failure.Name, Is.EqualTo("uses ***"));
            Assert.That(failure.Suite, Is.EqualTo("suite-***"));
            Assert.That(failure.Message, Is.EqualTo("expected ***"));
            Assert.That(failure.Output, Does.Contain("at line 1: ***").And.Contain("token=***").And.Contain("err ***"));
            Assert.That(collected.Summary.Suites.Single(s => s.FileName == "reports/leaky.xml").Name, Is.EqualTo("suite-***"));
            Assert.That(collected.Summary.Unparseable.Single().FileName, Is.EqualTo("reports/broken-***.xml"));
            Assert.That(collected.Log, Does.Not.Contain(Secret), "the warnings in the console");
            // User files are stored as the job wrote them: masking would corrupt binaries and checksums.
            Assert.That(artifact, Is.EqualTo(Secret));
        });
    }

    private sealed record Collected(Guid RunId, IReadOnlyList<RunFile> Files, JunitSummaryResult? Summary, string Log);

    /// <summary>Runs <paramref name="script"/> in /workspace of a busybox container, then collects its results as a Runner would.</summary>
    private async Task<Collected> CollectAsync(string script, ResultsConfig results, IReadOnlyCollection<string>? secrets = null)
    {
        var (_, run, _) = await RunSeeder.QueuedRunAsync(_db.DataSource, $"results-{Guid.NewGuid():N}"[..20]);
        var claimed = (await new RunAttemptStore(_db.DataSource).ClaimAsync(run.Id, "results-specs", Deadline)).Claimed!;
        var plan = new JobPlan
        {
            Image = new ImageSource(TestEnvironment.BusyboxImage, null),
            Script = [],
            Environment = new Dictionary<string, string>(),
            SecretValues = secrets ?? [],
            Results = results,
        };
        var settings = RunnerSettings.From(new ConfigurationBuilder().Build());
        var files = new RunFileStore(_db.DataSource);
        var collector = new ResultCollector(Engine, _bucket.Store, files, settings, NullLogger<ResultCollector>.Instance);

        var id = await Engine.CreateContainerAsync(Shell($"set -e; mkdir -p {ContainerSpecFactory.WorkspacePath}; cd {ContainerSpecFactory.WorkspacePath}\n{script}"), Deadline);
        await using var log = new LogSpool(_spoolDirectory, run.Id, 1_048_576);
        try
        {
            await Engine.StartContainerAsync(id, Deadline);
            Assert.That(await Engine.WaitAsync(id, Deadline), Is.EqualTo(0), "the script that makes the files");
            await collector.CollectAsync(claimed, plan, id, log, Deadline);
        }
        finally
        {
            await Engine.RemoveAsync(id, CancellationToken.None);
        }
        await log.CompleteAsync();

        var summaryKey = await files.JunitSummaryKeyAsync(run.Id, Deadline);
        var summary = summaryKey is null ? null : Core.Persistence.Json.Deserialize<JunitSummaryResult>(await ReadAsync(summaryKey));
        return new Collected(run.Id, await files.ListAsync(run.Id, null, Deadline), summary, await File.ReadAllTextAsync(log.Path));
    }

    private async Task<string> ReadAsync(string key)
    {
        await using var stored = await _bucket.Store.GetAsync(key, null, Deadline) ?? throw new AssertionException($"{key} is not stored");
        using var reader = new StreamReader(stored.Content, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }
}
