using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Narwhal.Runner.Git;

/// <summary>
/// Runs the git CLI: arguments through <see cref="ProcessStartInfo.ArgumentList"/> (no shell),
/// stdout and stderr read concurrently, the whole process tree killed on cancellation or timeout.
/// Every process gets a cleaned environment: no inherited <c>GIT_*</c> variables, no system or
/// global git configuration (no credential helpers, no <c>url.insteadOf</c> from the host), no
/// terminal prompts, English messages for <see cref="GitErrors"/>.
/// </summary>
internal sealed class GitRunner(ILogger logger)
{
    private const int MaxErrorChars = 16 * 1024;

    /// <summary>Test hook: called for every process right after it starts.</summary>
    public Action<GitInvocation>? Started { get; set; }

    /// <summary>Test hook: added to every process's environment (e.g. <c>GIT_TRACE</c>).</summary>
    public IReadOnlyDictionary<string, string> ExtraEnvironment { get; set; } = new Dictionary<string, string>();

    /// <summary>
    /// Runs <paramref name="command"/> to its end. A non-zero exit is a result, not an exception.
    /// Throws <see cref="OperationCanceledException"/> when <paramref name="ct"/> fires and
    /// <see cref="TimeoutException"/> when the command's time limit passes; the process tree is dead by then.
    /// </summary>
    public async Task<GitResult> RunAsync(GitCommand command, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (command.Timeout is { } timeout) limit.CancelAfter(timeout);
        var token = limit.Token;

        using var process = new Process { StartInfo = StartInfo(command) };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException("Cannot start the git CLI: is git installed and on PATH?", e);
        }
        // Arguments never hold a secret (credentials travel in the environment only), so they can be logged.
        logger.LogDebug("Started git {Arguments} (pid {Pid})", string.Join(' ', command.Arguments), process.Id);
        if (Started is { } started)
            started(new GitInvocation([.. command.Arguments], process.StartInfo.Environment
                .Where(e => e.Value is not null).ToDictionary(e => e.Key, e => e.Value!), process.Id));

        using var killOnCancel = token.Register(() => KillTree(process));
        try
        {
            var input = WriteInputAsync(process, command.StandardInput);
            var error = ReadTailAsync(process.StandardError);
            var output = "";
            if (command.ReadOutput is { } read)
            {
                await read(process.StandardOutput.BaseStream, token).ConfigureAwait(false);
                await process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, token).ConfigureAwait(false); // the reader may stop early
            }
            else
            {
                output = await process.StandardOutput.ReadToEndAsync(token).ConfigureAwait(false);
            }
            await input.ConfigureAwait(false);
            var errorText = await error.ConfigureAwait(false);
            await process.WaitForExitAsync(token).ConfigureAwait(false);
            return new GitResult(process.ExitCode, output, errorText);
        }
        catch (Exception) when (token.IsCancellationRequested)
        {
            await EndAsync(process).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            throw new TimeoutException($"git {string.Join(' ', command.Arguments.Where(a => !a.StartsWith("--git-dir", StringComparison.Ordinal)).Take(3))} ran past its limit of {command.Timeout}.");
        }
        catch
        {
            await EndAsync(process).ConfigureAwait(false); // the output reader failed (e.g. the destination broke): git must not linger
            throw;
        }
    }

    private ProcessStartInfo StartInfo(GitCommand command)
    {
        var info = new ProcessStartInfo("git")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardErrorEncoding = Encoding.UTF8,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var argument in command.Arguments) info.ArgumentList.Add(argument);

        var environment = info.Environment;
        foreach (var name in environment.Keys.Where(IsInheritedGitSetting).ToList()) environment.Remove(name);
        environment["GIT_TERMINAL_PROMPT"] = "0";          // fail instead of asking for a password
        environment["GIT_CONFIG_NOSYSTEM"] = "1";          // no /etc/gitconfig
        environment["GIT_CONFIG_GLOBAL"] = "/dev/null";    // no ~/.gitconfig: no credential helper or insteadOf of the host's user
        environment["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"; // no ssh prompts either (a key session replaces it)
        environment["LC_ALL"] = "C";                       // English messages for GitErrors
        foreach (var (name, value) in ExtraEnvironment) environment[name] = value;
        foreach (var (name, value) in command.Environment) environment[name] = value;
        return info;
    }

    private static bool IsInheritedGitSetting(string name) =>
        name.StartsWith("GIT_", StringComparison.Ordinal) || name.StartsWith("NARWHAL_GIT_", StringComparison.Ordinal)
        || name is "SSH_ASKPASS" or "SSH_ASKPASS_REQUIRE" or "LANGUAGE";

    private static async Task WriteInputAsync(Process process, string? input)
    {
        try
        {
            if (input is not null) await process.StandardInput.WriteAsync(input).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // git exited before reading its input; its exit code and stderr tell why
        }
        finally
        {
            try { process.StandardInput.Close(); } catch (IOException) { }
        }
    }

    /// <summary>Reads stderr to its end, keeping the tail: git's reason is at the end, and progress output can be long.</summary>
    private static async Task<string> ReadTailAsync(StreamReader reader)
    {
        var tail = new StringBuilder();
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            tail.Append(buffer, 0, read);
            if (tail.Length > 2 * MaxErrorChars) tail.Remove(0, tail.Length - MaxErrorChars);
        }
        return tail.Length > MaxErrorChars ? tail.ToString(tail.Length - MaxErrorChars, MaxErrorChars) : tail.ToString();
    }

    private static async Task EndAsync(Process process)
    {
        KillTree(process);
        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true); // git-remote-http, ssh, index-pack run as children
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception)
        {
            // already exited
        }
    }
}
