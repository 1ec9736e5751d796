using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Narwhal.Runner.Git;
using Narwhal.Runner.Tests.Git.Support;
using Narwhal.Testing;
using Narwhal.Testing.Git;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Git;

/// <summary>Fetching over git's smart HTTP protocol (git http-backend on 127.0.0.1): fallbacks, failures, cancellation.</summary>
[TestFixture]
public sealed class GitMirrorCacheHttp_Specs : GitCacheTestBase
{
    private SmartHttpGitServer _server = null!;
    private UpstreamRepository _upstream = null!;

    [SetUp]
    public async Task StartServer()
    {
        _upstream = NewUpstream("project");
        _upstream.Commit("one", ("README.md", "hello"));
        _server = await SmartHttpGitServer.StartAsync(ServedDirectory);
    }

    [TearDown]
    public async Task StopServer() => await _server.DisposeAsync();

    private string Url => _server.UrlOf(_upstream);

    [Test]
    public async Task When_fetching_over_smart_http_Should_resolve_branches_and_commits()
    {
        var old = _upstream.Head();
        var head = _upstream.Commit("two", ("README.md", "bye"));

        Assert.That(await Cache.FetchAsync(Url, "main", null, null, Deadline), Is.EqualTo(head));
        Assert.That(await Cache.FetchAsync(Url, null, old, null, Deadline), Is.EqualTo(old));
        Assert.That(Cache.FetchCount, Is.EqualTo(1), "the older commit came with the branch");
    }

    [Test]
    public void When_the_repository_does_not_exist_Should_throw_RepositoryNotFound()
    {
        var error = Assert.ThrowsAsync<GitFetchException>(() => Cache.FetchAsync($"{_server.BaseUrl}/nothing-here", "main", null, null, Deadline))!;

        TestContext.Out.WriteLine(error.Message);
        Assert.That(error.Failure, Is.EqualTo(GitFailure.RepositoryNotFound));
        Assert.That(error.Message, Does.Contain("nothing-here").And.Contain("branch 'main'"));
    }

    [Test]
    public void When_nothing_listens_Should_throw_a_transient_Unreachable()
    {
        var port = FreePort();

        var error = Assert.ThrowsAsync<GitFetchException>(() => Cache.FetchAsync($"http://127.0.0.1:{port}/project", "main", null, null, Deadline))!;

        TestContext.Out.WriteLine(error.Message);
        Assert.That(error.Failure, Is.EqualTo(GitFailure.Unreachable));
        Assert.That(error.IsTransient, Is.True);
    }

    [Test]
    public async Task When_cancelled_during_a_fetch_Should_kill_git_and_throw_OperationCanceled()
    {
        _server.Stall = true;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Deadline);
        var fetch = Cache.FetchAsync(Url, "main", null, null, cancel.Token);
        await Eventually.UntilAsync(() => Task.FromResult(_server.StalledRequests > 0), "git to reach the server");

        cancel.Cancel();

        Assert.That(async () => await fetch, Throws.InstanceOf<OperationCanceledException>());
        await Eventually.UntilAsync(() => Task.FromResult(_server.StalledRequestsAborted > 0), "the server to see git's connection close");
        var gitFetch = Started.Single(started => started.IsFetch);
        Assert.That(HasExited(gitFetch.ProcessId), Is.True);
    }

    [Test]
    public async Task When_a_fetch_runs_past_its_time_limit_Should_throw_a_transient_Timeout()
    {
        _server.Stall = true;
        var cache = NewCache(fetchTimeout: TimeSpan.FromSeconds(1));
        var clock = Stopwatch.StartNew();

        var error = Assert.ThrowsAsync<GitFetchException>(() => cache.FetchAsync(Url, "main", null, null, Deadline))!;

        TestContext.Out.WriteLine($"{error.Message} after {clock.ElapsedMilliseconds} ms");
        Assert.That(error.Failure, Is.EqualTo(GitFailure.Timeout));
        Assert.That(error.IsTransient, Is.True);
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)));
        await Eventually.UntilAsync(() => Task.FromResult(_server.StalledRequestsAborted > 0), "the server to see git's connection close");
    }

    [Test]
    public async Task When_a_git_daemon_serves_the_repository_Should_fetch_over_the_git_protocol()
    {
        var port = FreePort();
        using var daemon = Process.Start(new ProcessStartInfo("git")
        {
            ArgumentList = { "daemon", "--export-all", "--reuseaddr", $"--base-path={ServedDirectory}", "--listen=127.0.0.1", $"--port={port}", ServedDirectory },
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        try
        {
            await Eventually.UntilAsync(() => Task.FromResult(CanConnect(port)), "git daemon to listen");

            var sha = await Cache.FetchAsync($"git://127.0.0.1:{port}/project", "main", null, null, Deadline);

            Assert.That(sha, Is.EqualTo(_upstream.Head()));
        }
        finally
        {
            daemon.Kill(entireProcessTree: true);
            await daemon.WaitForExitAsync();
        }
    }

    private static bool HasExited(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static bool CanConnect(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
