using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Narwhal.Core.Persistence;
using Narwhal.Runner.Docker;
using Narwhal.Runner.Execution;
using Narwhal.Testing;
using Narwhal.Testing.Git;
using NUnit.Framework;

namespace Narwhal.EndToEnd.Tests;

/// <summary>
/// Git-repo jobs end to end: a real repository (over file:// and over authenticated smart HTTP),
/// its own Dockerfile as the environment, a sidecar reached by name, secrets masked, config errors
/// with line and column — and nothing left in Docker afterwards.
/// </summary>
[TestFixture]
public sealed class GitJob_Specs : StackFixture
{
    private const string Secret = "hunter2-very-secret";
    private string _root = null!;
    private UpstreamRepository _repo = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _root = Directory.CreateTempSubdirectory("narwhal-e2e-git-").FullName;
        _repo = UpstreamRepository.Create(_root, "app");
        _repo.Commit("initial",
            ("Dockerfile", $"FROM {TestEnvironment.BusyboxImage}\nARG FLAVOUR=plain\nRUN echo \"built $FLAVOUR\" > /built.txt\n"),
            ("src/hello.txt", "hello from the repository\n"),
            (".narwhal.yml", """
                build:
                  dockerfile: Dockerfile
                  args: { FLAVOUR: special }
                services:
                  web:
                    image: IMAGE
                    command: [sh, -c, "mkdir -p /www && echo service-says-hi > /www/index.html && httpd -f -p 8080 -h /www"]
                    ready: wget -q -O /dev/null http://127.0.0.1:8080/
                    readyTimeout: 30s
                env: { GREETING: bonjour }
                secrets: [API_KEY]
                script:
                  - cat /built.txt
                  - cat src/hello.txt
                  - echo "commit $NARWHAL_COMMIT on $NARWHAL_BRANCH says $GREETING"
                  - wget -q -O - http://web:8080/
                  - touch written-by-job && echo workspace-writable
                  - test ! -e /var/run/docker.sock && echo no-docker-socket
                  - echo "secret raw $API_KEY"
                  - printf '%s' "$API_KEY" | base64
                  - 'printf "split: hunter2-"; sleep 0.3; printf "very-secret\n"'
                """.Replace("IMAGE", TestEnvironment.BusyboxImage)));
        await Stack.StartRunnerAsync("git-runner", new Dictionary<string, string?>
        {
            ["NARWHAL_RUNNER_ALLOW_FILE_REPOS"] = "true",
            ["NARWHAL_RUNNER_GIT_CACHE"] = Path.Combine(_root, "cache"),
        });
    }

    protected override async Task AfterStackStoppedAsync()
    {
        using var engine = new DockerEngine(TestEnvironment.DockerHost, NullLogger<DockerEngine>.Instance);
        var labels = new Dictionary<string, string> { [RunLabels.Instance] = Stack.Instance };
        var containers = await engine.ListContainersAsync(labels, CancellationToken.None);
        var networks = await engine.ListNetworksAsync(labels, CancellationToken.None);
        foreach (var image in await engine.ListImagesAsync(labels, CancellationToken.None))
            await engine.RemoveImageAsync(image.Id, CancellationToken.None);
        Directory.Delete(_root, recursive: true);
        Assert.That(containers, Is.Empty, "containers of this instance remain");
        Assert.That(networks, Is.Empty, "networks of this instance remain");
    }

    private async Task PutGitJobAsync(string name, string url, string? configPath = null)
    {
        var response = await Client.PutAsJsonAsync($"/jobs/{name}",
            new { type = "git", git = new { url, configPath, defaultBranch = "main" } }, Json.Options);
        Assert.That(response.IsSuccessStatusCode, Is.True, await response.Content.ReadAsStringAsync());
    }

    private async Task SetSecretAsync(string job, string key, string value) =>
        (await Client.PutAsJsonAsync($"/jobs/{job}/secrets/{key}", new { value })).EnsureSuccessStatusCode();

    private async Task<(JsonElement Run, string Log)> RunAsync(string job, object? body = null)
    {
        var triggered = await Client.TriggerAsync(job, body);
        var run = await Client.WaitForRunEndAsync(triggered.Str("id"), TimeSpan.FromSeconds(180));
        var log = await Client.GetStringAsync($"/runs/{triggered.Str("id")}/results/console");
        return (run, log);
    }

    [Test, Order(1)]
    public async Task When_a_repository_job_runs_Should_build_its_dockerfile_reach_its_service_and_record_the_commit()
    {
        await PutGitJobAsync("app", _repo.FileUrl);
        await SetSecretAsync("app", "API_KEY", Secret);

        var (run, log) = await RunAsync("app");

        Assert.That(run.Str("status"), Is.EqualTo("succeeded"), log);
        Assert.That(run.Str("commitSha"), Is.EqualTo(_repo.Head()), "the branch was resolved to the exact commit");
        Assert.That(run.Str("branch"), Is.EqualTo("main"));
        Assert.That(log, Does.Contain("built special"));
        Assert.That(log, Does.Contain("hello from the repository"));
        Assert.That(log, Does.Contain($"commit {_repo.Head()} on main says bonjour"));
        Assert.That(log, Does.Contain("service-says-hi"));
        Assert.That(log, Does.Contain("workspace-writable"));
        Assert.That(log, Does.Contain("no-docker-socket"));
        Assert.That(log, Does.Contain("[narwhal] Building Dockerfile"));
    }

    [Test, Order(2)]
    public async Task When_a_secret_is_printed_raw_encoded_or_split_across_writes_Should_be_masked()
    {
        var (run, log) = await RunAsync("app");

        Assert.That(run.Str("status"), Is.EqualTo("succeeded"), log);
        Assert.That(log, Does.Contain("secret raw ***"));
        Assert.That(log, Does.Contain("split: ***"));
        Assert.That(log, Does.Not.Contain(Secret));
        Assert.That(log, Does.Not.Contain(Convert.ToBase64String(Encoding.UTF8.GetBytes(Secret))));
        Assert.That(log, Does.Not.Contain("hunter2"));
    }

    [Test, Order(3)]
    public async Task When_the_dockerfile_and_context_are_unchanged_Should_reuse_the_image_built_before()
    {
        // A new commit that touches neither the Dockerfile nor anything in the context would change
        // the context here (the context is the whole repository), so: no new commit, a second run.
        var (run, log) = await RunAsync("app");

        Assert.That(run.Str("status"), Is.EqualTo("succeeded"), log);
        Assert.That(log, Does.Contain("Using the image built before"));
        Assert.That(log, Does.Not.Contain("[narwhal] Building"));
    }

    [Test, Order(4)]
    public async Task When_a_commit_sha_is_given_Should_run_exactly_that_commit()
    {
        var first = _repo.Head();
        _repo.Commit("second", ("src/hello.txt", "hello from the second commit\n"));

        var (run, log) = await RunAsync("app", new { commitSha = first });

        Assert.That(run.Str("status"), Is.EqualTo("succeeded"), log);
        Assert.That(run.Str("commitSha"), Is.EqualTo(first));
        Assert.That(log, Does.Contain("hello from the repository"));
        Assert.That(log, Does.Not.Contain("second commit"));
    }

    [Test]
    public async Task When_the_job_config_is_invalid_Should_end_error_with_file_line_and_column_and_run_nothing()
    {
        var repo = UpstreamRepository.Create(_root, "broken");
        repo.Commit("broken", (".narwhal.yml", "image: busybox\nscript:\n  - echo should-not-run\nscirpt_typo: true\n"));
        await PutGitJobAsync("broken", repo.FileUrl);

        var (run, log) = await RunAsync("broken");

        Assert.That(run.Str("status"), Is.EqualTo("error"));
        Assert.That(run.Str("statusReason"), Does.StartWith(".narwhal.yml:4:1:"));
        Assert.That(run.Str("statusReason"), Does.Contain("scirpt_typo"));
        Assert.That(log, Does.Not.Contain("should-not-run\n"));
    }

    [Test]
    public async Task When_the_config_names_a_secret_the_job_does_not_have_Should_fail_before_running_naming_it()
    {
        var repo = UpstreamRepository.Create(_root, "needs-secret");
        repo.Commit("needs", (".narwhal.yml", $"image: {TestEnvironment.BusyboxImage}\nsecrets: [DEPLOY_TOKEN]\nscript: [echo ran]\n"));
        await PutGitJobAsync("needs-secret", repo.FileUrl);

        var (run, _) = await RunAsync("needs-secret");

        Assert.That(run.Str("status"), Is.EqualTo("error"));
        Assert.That(run.Str("statusReason"), Does.Contain("DEPLOY_TOKEN"));
    }

    [Test]
    public async Task When_a_private_repository_needs_credentials_Should_fetch_with_them_and_never_show_them()
    {
        const string token = "tok-e2e-0123456789abcdef";
        var served = Path.Combine(_root, "served");
        var repo = UpstreamRepository.Create(served, "private");
        repo.Commit("private", (".narwhal.yml", $"image: {TestEnvironment.BusyboxImage}\nscript:\n  - echo private-ok\n  - env\n"));
        await using var server = await SmartHttpGitServer.StartAsync(served, ("ci-bot", token));
        await PutGitJobAsync("private", server.UrlOf(repo));

        var (denied, _) = await RunAsync("private");
        Assert.That(denied.Str("status"), Is.EqualTo("error"), "without credentials the fetch is refused");

        (await Client.PutAsJsonAsync("/jobs/private/git-credentials", new { username = "ci-bot", token })).EnsureSuccessStatusCode();
        var (run, log) = await RunAsync("private");

        Assert.That(run.Str("status"), Is.EqualTo("succeeded"), log);
        Assert.That(log, Does.Contain("private-ok"));
        Assert.That(log, Does.Not.Contain(token), "the credential is not in the job's environment or output");
        Assert.That(JsonSerializer.Serialize(run), Does.Not.Contain(token));
    }

    [Test]
    public async Task When_the_job_runs_as_a_non_root_user_Should_own_a_writable_workspace()
    {
        var repo = UpstreamRepository.Create(_root, "non-root");
        repo.Commit("user", (".narwhal.yml", $"image: {TestEnvironment.BusyboxImage}\nuser: \"1000:1000\"\nscript:\n  - id -u\n  - touch made-by-1000 && ls -ln made-by-1000\n"));
        await PutGitJobAsync("non-root", repo.FileUrl);

        var (run, log) = await RunAsync("non-root");

        Assert.That(run.Str("status"), Is.EqualTo("succeeded"), log);
        Assert.That(log, Does.Contain("1000\n"));
        Assert.That(log, Does.Match(@"-rw\S* +1 1000 +1000 .*made-by-1000"));
    }
}
