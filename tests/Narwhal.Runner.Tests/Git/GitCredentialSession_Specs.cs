using System.Diagnostics;
using System.Runtime.Versioning;
using Narwhal.Runner.Git;
using Narwhal.Runner.Tests.Git.Support;
using NUnit.Framework;

namespace Narwhal.Runner.Tests.Git;

/// <summary>How credentials are handed to one fetch: environment only, private files, gone afterwards.</summary>
[TestFixture]
[UnsupportedOSPlatform("windows")] // file modes are the point
public sealed class GitCredentialSession_Specs : GitCacheTestBase
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    [Test]
    public void When_there_are_no_credentials_Should_add_nothing_and_write_nothing()
    {
        using var session = GitCredentialSession.Create(new GitCredentials { Username = "someone" });

        Assert.That(session.Environment, Is.Empty);
        Assert.That(session.Directory, Is.Null);
    }

    [Test]
    public void When_a_token_is_given_Should_answer_git_from_the_environment_through_a_private_askpass_script()
    {
        using var session = GitCredentialSession.Create(new GitCredentials { Username = "bot", Token = "tok-abcdef123456" });
        var askPass = session.Environment["GIT_ASKPASS"];

        Assert.Multiple(() =>
        {
            Assert.That(File.GetUnixFileMode(session.Directory!), Is.EqualTo(OwnerOnly));
            Assert.That(File.GetUnixFileMode(askPass), Is.EqualTo(OwnerOnly));
            Assert.That(File.ReadAllText(askPass), Does.Not.Contain("tok-abcdef123456").And.Not.Contain("bot"));
            Assert.That(session.Environment[GitCredentialSession.UsernameVariable], Is.EqualTo("bot"));
            Assert.That(session.Environment[GitCredentialSession.PasswordVariable], Is.EqualTo("tok-abcdef123456"));
            Assert.That(AskPass(session, "Username for 'https://example.com': "), Is.EqualTo("bot"));
            Assert.That(AskPass(session, "Password for 'https://bot@example.com': "), Is.EqualTo("tok-abcdef123456"));
            Assert.That(session.Secrets, Does.Contain("tok-abcdef123456").And.Contain(Convert.ToBase64String("bot:tok-abcdef123456"u8.ToArray())));
        });
    }

    [Test]
    public void When_an_ssh_key_is_given_Should_write_it_owner_only_and_point_ssh_at_it()
    {
        var key = GenerateKey();
        using var session = GitCredentialSession.Create(new GitCredentials { SshPrivateKey = key.ReplaceLineEndings("\r\n").TrimEnd() });
        var keyFile = Path.Combine(session.Directory!, "id_key");
        var command = session.Environment["GIT_SSH_COMMAND"];

        Assert.Multiple(() =>
        {
            Assert.That(File.GetUnixFileMode(session.Directory!), Is.EqualTo(OwnerOnly));
            Assert.That(File.GetUnixFileMode(keyFile), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            Assert.That(command, Does.Contain($"-i '{keyFile}'").And.Contain("IdentitiesOnly=yes").And.Contain("StrictHostKeyChecking=accept-new")
                .And.Contain($"UserKnownHostsFile='{Path.Combine(session.Directory!, "known_hosts")}'").And.Contain("BatchMode=yes"));
            Assert.That(command, Does.Not.Contain("PRIVATE KEY"));
            Assert.That(TestProcess("ssh-keygen", "-y", "-f", keyFile), Does.StartWith("ssh-ed25519 "), "ssh accepts the key file as written (CRLF and missing final newline repaired)");
        });
    }

    [Test]
    public void When_the_session_ends_Should_delete_the_private_folder()
    {
        var session = GitCredentialSession.Create(new GitCredentials { Token = "tok-abcdef123456", SshPrivateKey = GenerateKey() });
        var directory = session.Directory!;

        session.Dispose();
        session.Dispose();

        Assert.That(Directory.Exists(directory), Is.False);
    }

    [Test]
    public void When_fetching_over_ssh_with_a_key_Should_hand_it_to_ssh_for_the_fetch_only_and_delete_it_afterwards()
    {
        // No sshd here: the port is closed, so ssh fails after reading its options; the point is what it was given.
        var error = Assert.ThrowsAsync<GitFetchException>(() => Cache.FetchAsync("ssh://git@127.0.0.1:1/app.git", "main", null,
            new GitCredentials { SshPrivateKey = GenerateKey() }, Deadline))!;

        var fetch = Started.Single(started => started.IsFetch);
        var sshCommand = fetch.Environment["GIT_SSH_COMMAND"];
        var keyFile = sshCommand.Split('\'')[1];
        TestContext.Out.WriteLine(error.Message);
        Assert.That(error.Failure, Is.EqualTo(GitFailure.Unreachable));
        Assert.That(keyFile, Does.EndWith("id_key"));
        Assert.That(File.Exists(keyFile), Is.False, "the key file is deleted right after the fetch");
        Assert.That(fetch.Arguments, Has.None.Contains("PRIVATE KEY"));
    }

    [Test]
    public void When_credentials_are_printed_Should_not_show_the_secrets()
    {
        var text = new GitCredentials { Username = "bot", Token = "tok-abcdef123456", SshPrivateKey = "-----BEGIN KEY-----x" }.ToString();

        Assert.That(text, Does.Contain("bot").And.Not.Contain("tok-abcdef123456").And.Not.Contain("BEGIN KEY"));
    }

    private static string AskPass(GitCredentialSession session, string prompt)
    {
        var info = new ProcessStartInfo(session.Environment["GIT_ASKPASS"], [prompt]) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var (name, value) in session.Environment) info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output.TrimEnd('\n');
    }

    private string GenerateKey()
    {
        var path = Path.Combine(Root, $"key-{Guid.NewGuid():N}");
        TestProcess("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "narwhal-test", "-f", path);
        return File.ReadAllText(path);
    }

    private static string TestProcess(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, $"{program} failed: {error.Result}");
        return output;
    }
}
