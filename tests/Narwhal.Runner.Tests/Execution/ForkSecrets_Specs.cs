using System.Net.Http.Json;
using Narwhal.Api.Runs;
using Narwhal.Core.Persistence;
using Narwhal.Core.Runs;
using Narwhal.Testing;
using Narwhal.Testing.Git;
using Narwhal.Testing.Github;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Execution;

/// <summary>
/// Runs of pull requests from forks get no secrets unless the job opted in: a job config naming one
/// ends the run error saying why, a freestyle job runs without them and says so, and the git
/// credentials still fetch a private repository without ever reaching the job.
/// </summary>
[TestFixture]
public sealed class ForkSecrets_Specs
{
    private const string DeployKey = "deploy-key-0123456789-secret";
    private const string ApiToken = "api-token-9876543210-secret";
    private const string GitToken = "git-token-fork-0123456789";
    private TestStack _stack = null!;
    private HttpClient _client = null!;
    private string _root = null!;
    private SmartHttpGitServer _server = null!;
    private string _deploySha = null!;
    private string _forkSha = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _stack = await TestStack.CreateAsync();
        _client = _stack.Client();
        _root = Directory.CreateTempSubdirectory("narwhal-fork-secrets-").FullName;

        var deploy = UpstreamRepository.Create(_root, "deploy");
        _deploySha = deploy.Commit("deploy", (".narwhal.yml",
            $"image: {TestEnvironment.BusyboxImage}\nsecrets: [DEPLOY_KEY]\nscript:\n  - echo deploying-with-key\n  - env\n"));
        await PutJobAsync("deploy", new { type = "git", git = new { url = deploy.FileUrl } });
        await SetSecretAsync("deploy", "DEPLOY_KEY", DeployKey);

        await PutJobAsync("lint", new { type = "freestyle", image = TestEnvironment.BusyboxImage, script = new[] { "echo linting", "env" } });
        await SetSecretAsync("lint", "API_TOKEN", ApiToken);

        // A private repository whose pull request head (a fork's commit) is on no branch, only on refs/pull/5/head.
        var served = Path.Combine(_root, "served");
        var app = UpstreamRepository.Create(served, "private-app");
        app.Commit("main", ("README.md", "main\n"));
        app.CreateBranch("fork-work");
        _forkSha = app.Commit("from a fork", (".narwhal.yml", $"image: {TestEnvironment.BusyboxImage}\nscript:\n  - echo fork-code-ran\n  - env\n"));
        app.Checkout("main");
        app.Git("update-ref", "refs/pull/5/head", _forkSha);
        app.DeleteBranch("fork-work");
        _server = await SmartHttpGitServer.StartAsync(served, ("ci-bot", GitToken));
        await PutJobAsync("private-app", new { type = "git", git = new { url = _server.UrlOf(app) } });
        (await _client.PutAsJsonAsync("/jobs/private-app/git-credentials", new { username = "ci-bot", token = GitToken })).EnsureSuccessStatusCode();

        await _stack.StartRunnerAsync("fork-runner", new Dictionary<string, string?>
        {
            ["NARWHAL_RUNNER_ALLOW_FILE_REPOS"] = "true",
            ["NARWHAL_RUNNER_GIT_CACHE"] = Path.Combine(_root, "cache"),
        });
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _client.Dispose();
        await _stack.DisposeAsync();
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private async Task PutJobAsync(string name, object body)
    {
        var response = await _client.PutAsJsonAsync($"/jobs/{name}", body, Json.Options);
        Assert.That(response.IsSuccessStatusCode, Is.True, await response.Content.ReadAsStringAsync());
    }

    private async Task SetSecretAsync(string job, string key, string value) =>
        (await _client.PutAsJsonAsync($"/jobs/{job}/secrets/{key}", new { value })).EnsureSuccessStatusCode();

    private async Task<(Run Run, string Log)> RunAsync(string job, string? sha, GithubTrigger trigger)
    {
        var triggered = await _stack.TriggerAsync(job, sha, trigger);
        var run = await Eventually.UntilAsync(() => new RunStore(_stack.Database.DataSource, TimeProvider.System).GetAsync(triggered.Id, CancellationToken.None),
            r => r is { Status: not (RunStatus.Queued or RunStatus.Running) }, $"run {triggered.Id} to end", TimeSpan.FromSeconds(120));
        var log = await _client.GetStringAsync($"/runs/{triggered.Id}/results/console");
        return (run!, log);
    }

    [Test]
    public async Task When_a_fork_pull_request_runs_a_config_naming_a_secret_Should_end_error_saying_it_was_withheld()
    {
        var (run, log) = await RunAsync("deploy", _deploySha, GithubRuns.PullRequest("acme/deploy", 12, fork: "mallory/deploy"));

        Assert.That(run.Status, Is.EqualTo(RunStatus.Error), log);
        Assert.That(run.StatusReason, Is.EqualTo(
            "secret DEPLOY_KEY withheld: this run comes from a fork pull request (mallory/deploy #12 into acme/deploy); the job's github.forkSecrets is off."));
        Assert.That(log, Does.Not.Contain("deploying-with-key\n"), "nothing ran");
        Assert.That(log, Does.Not.Contain(DeployKey));
    }

    [Test]
    public async Task When_a_pull_request_comes_from_the_repository_itself_Should_get_the_secrets_it_names()
    {
        var (run, log) = await RunAsync("deploy", _deploySha, GithubRuns.PullRequest("acme/deploy", 13));

        Assert.That(run.Status, Is.EqualTo(RunStatus.Succeeded), log);
        Assert.That(log, Does.Contain("DEPLOY_KEY=***"), "given, and masked");
        Assert.That(log, Does.Not.Contain("withheld"));
    }

    [Test]
    public async Task When_a_fork_pull_request_runs_a_freestyle_job_Should_run_without_secrets_and_say_why()
    {
        var (run, log) = await RunAsync("lint", GithubRuns.RandomSha(), GithubRuns.PullRequest("acme/lint", 14, fork: "mallory/lint"));

        Assert.That(run.Status, Is.EqualTo(RunStatus.Succeeded), log);
        Assert.That(log, Does.Contain("linting"));
        Assert.That(log, Does.Not.Contain("API_TOKEN"), "the secret is not in the environment at all");
        Assert.That(log, Does.Contain(
            "[narwhal] Secrets withheld: this run comes from a fork pull request (mallory/lint #14 into acme/lint); the job's github.forkSecrets is off."));
    }

    [Test]
    public async Task When_the_job_opted_into_fork_secrets_Should_give_a_fork_pull_request_its_secrets()
    {
        var (run, log) = await RunAsync("lint", GithubRuns.RandomSha(), GithubRuns.PullRequest("acme/lint", 15, fork: "mallory/lint", secretsWithheld: false));

        Assert.That(run.Status, Is.EqualTo(RunStatus.Succeeded), log);
        Assert.That(log, Does.Contain("API_TOKEN=***"));
        Assert.That(log, Does.Not.Contain("withheld"));
    }

    [Test]
    public async Task When_a_fork_pull_request_of_a_private_repository_runs_Should_fetch_with_the_credentials_and_never_hand_them_over()
    {
        var (run, log) = await RunAsync("private-app", _forkSha, GithubRuns.PullRequest("acme/private-app", 5, fork: "mallory/private-app"));

        Assert.That(run.Status, Is.EqualTo(RunStatus.Succeeded), log);
        Assert.That(log, Does.Contain("fork-code-ran"));
        Assert.That(log, Does.Contain("[narwhal] Secrets withheld"));
        Assert.That(log, Does.Not.Contain(GitToken).And.Not.Contain("ci-bot"), "the fetch's credentials are not in the job's environment or output");
        Assert.That(run.CommitSha, Is.EqualTo(_forkSha));
    }
}
