using System.Diagnostics;
using Narwhal.Runner.Git;
using Narwhal.Runner.Tests.Git.Support;
using Narwhal.Testing.Git;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Git;

/// <summary>
/// Private repositories: a smart HTTP server demanding Basic auth (user + token). The token must
/// open the repository, and must never show up anywhere but in the fetch process's environment.
/// </summary>
[TestFixture]
public sealed class GitMirrorCacheCredentials_Specs : GitCacheTestBase
{
    private const string User = "ci-bot";
    private const string Token = "tok-7f3a9c1e5b2d8f40";

    private SmartHttpGitServer _server = null!;
    private UpstreamRepository _upstream = null!;

    [SetUp]
    public async Task StartPrivateServer()
    {
        _upstream = NewUpstream("private");
        _upstream.Commit("one", ("secret-sauce.txt", "recipe"));
        _server = await SmartHttpGitServer.StartAsync(ServedDirectory, (User, Token));
    }

    [TearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    private string Url => _server.UrlOf(_upstream);

    [Test]
    public async Task When_the_token_is_right_Should_fetch_the_private_repository()
    {
        var sha = await Cache.FetchAsync(Url, "main", null, new GitCredentials { Username = User, Token = Token }, Deadline);

        Assert.That(sha, Is.EqualTo(_upstream.Head()));
        Assert.That(await Cache.ReadFileAsync(Url, sha, "secret-sauce.txt", Deadline), Is.EqualTo("recipe"));
    }

    [Test]
    public void When_the_token_is_wrong_Should_fail_quickly_with_AuthenticationFailed_and_not_leak_it()
    {
        const string wrong = "tok-wrong-0000000000";
        var clock = Stopwatch.StartNew();

        var error = Assert.ThrowsAsync<GitFetchException>(() =>
            Cache.FetchAsync(Url, "main", null, new GitCredentials { Username = User, Token = wrong }, Deadline))!;

        TestContext.Out.WriteLine($"{error.Message} ({clock.ElapsedMilliseconds} ms)");
        Assert.That(error.Failure, Is.EqualTo(GitFailure.AuthenticationFailed));
        Assert.That(error.Message, Does.Contain(Url).And.Not.Contain(wrong));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "no prompt, no hang");
        Assert.That(Log.Lines, Has.None.Contains(wrong));
    }

    [Test]
    public void When_no_credentials_are_given_Should_fail_with_AuthenticationFailed_instead_of_prompting()
    {
        var clock = Stopwatch.StartNew();

        var error = Assert.ThrowsAsync<GitFetchException>(() => Cache.FetchAsync(Url, "main", null, null, Deadline))!;

        TestContext.Out.WriteLine($"{error.Message} ({clock.ElapsedMilliseconds} ms)");
        Assert.That(error.Failure, Is.EqualTo(GitFailure.AuthenticationFailed));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)));
    }

    [Test]
    public async Task When_only_a_token_is_given_Should_send_the_default_user_name()
    {
        await using var anyUser = await SmartHttpGitServer.StartAsync(ServedDirectory, (GitCredentialSession.DefaultUsername, Token));

        var sha = await Cache.FetchAsync(anyUser.UrlOf(_upstream), "main", null, new GitCredentials { Token = Token }, Deadline);

        Assert.That(sha, Is.EqualTo(_upstream.Head()));
    }

    [Test]
    public async Task When_a_token_is_used_Should_keep_it_out_of_arguments_config_files_logs_and_child_processes()
    {
        // GIT_TRACE makes git log every process it starts (git-remote-http, the askpass script) with its arguments.
        var trace = Path.Combine(Root, "git-trace.log");
        Cache.Git.ExtraEnvironment = new Dictionary<string, string> { ["GIT_TRACE"] = trace };

        var sha = await Cache.FetchAsync(Url, "main", null, new GitCredentials { Username = User, Token = Token }, Deadline);
        await Cache.FetchAsync(Url, null, sha, new GitCredentials { Username = User, Token = Token }, Deadline);

        var fetch = Started.Single(started => started.IsFetch);
        var mirror = MirrorOf(Url);
        var traceText = await File.ReadAllTextAsync(trace);
        Assert.Multiple(() =>
        {
            Assert.That(Started.SelectMany(started => started.Arguments), Has.None.Contains(Token), "arguments of every git the cache started");
            Assert.That(fetch.Arguments, Does.Contain("credential.helper="), "no credential helper may store or supply a credential");
            Assert.That(fetch.Environment[GitCredentialSession.PasswordVariable], Is.EqualTo(Token), "the token travels in the environment");
            Assert.That(fetch.Environment["GIT_TERMINAL_PROMPT"], Is.EqualTo("0"));
            Assert.That(fetch.Environment["GIT_CONFIG_NOSYSTEM"], Is.EqualTo("1"));
            Assert.That(Started.Where(started => !started.IsFetch).Select(started => started.Environment),
                Has.None.ContainKey(GitCredentialSession.PasswordVariable), "only the fetch gets the credentials");
            Assert.That(traceText, Does.Contain("run_command").And.Contain("askpass"), "the trace saw git's children");
            Assert.That(traceText, Does.Not.Contain(Token), "arguments of git's own children");
            Assert.That(TestGit.Run(mirror, "--git-dir", mirror, "config", "--list"), Does.Not.Contain(Token).And.Contain(Url));
            Assert.That(FilesContaining(CacheDirectory, Token), Is.Empty, "no file of the cache holds the token");
            Assert.That(Log.Lines, Has.None.Contains(Token));
            Assert.That(Directory.Exists(Path.GetDirectoryName(fetch.Environment["GIT_ASKPASS"])), Is.False, "the askpass folder is gone after the fetch");
        });
    }

    private static IEnumerable<string> FilesContaining(string directory, string text) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Where(file => File.ReadAllText(file).Contains(text, StringComparison.Ordinal))
            .ToList();
}
