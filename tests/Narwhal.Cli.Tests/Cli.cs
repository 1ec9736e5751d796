using System.Text.Json;

namespace Narwhal.Cli.Tests;

/// <summary>Runs the CLI in-process with captured stdout/stderr and a private config directory.</summary>
public sealed class Cli : IDisposable
{
    public Cli(Uri? url = null, string? token = null)
    {
        ConfigHome = Path.Combine(Path.GetTempPath(), "narwhal-cli-tests-" + Guid.NewGuid().ToString("N"));
        Env = new Dictionary<string, string?> { ["XDG_CONFIG_HOME"] = ConfigHome, ["HOME"] = ConfigHome };
        if (url is not null) Env["NARWHAL_URL"] = url.ToString();
        if (token is not null) Env["NARWHAL_TOKEN"] = token;
    }

    public string ConfigHome { get; }
    public Dictionary<string, string?> Env { get; }

    public async Task<Result> RunAsync(params string[] args) => await RunWithStdinAsync(null, args);

    public async Task<Result> RunWithStdinAsync(string? stdin, params string[] args) =>
        await RunInteractiveAsync(stdin is null ? null : new StringReader(stdin), null, null, args);

    /// <summary>
    /// Runs with a given stdin, terminal flags and Ctrl-C source (for prompts and interrupts);
    /// stdout/stderr are <see cref="SyncWriter"/>s that tests may read while the command runs.
    /// </summary>
    public async Task<Result> RunInteractiveAsync(TextReader? stdin, Terminal? terminal, Interrupts? interrupts, string[] args,
        SyncWriter? stdout = null, SyncWriter? stderr = null)
    {
        stdout ??= new SyncWriter();
        stderr ??= new SyncWriter();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        using var own = interrupts is null ? new Interrupts(deadline.Token) : null;
        var code = await Program.RunAsync(args, stdout, stderr, Env, stdin, terminal, interrupts ?? own);
        return new Result(code, stdout.ToString(), stderr.ToString());
    }

    public void Dispose()
    {
        if (Directory.Exists(ConfigHome)) Directory.Delete(ConfigHome, recursive: true);
    }
}

public sealed record Result(int ExitCode, string Stdout, string Stderr)
{
    public JsonElement Json => JsonDocument.Parse(Stdout).RootElement.Clone();

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>A StringWriter safe to read from another thread while the CLI writes to it.</summary>
public sealed class SyncWriter : StringWriter
{
    private readonly object _gate = new();

    public override void Write(char value) { lock (_gate) base.Write(value); }
    public override void Write(string? value) { lock (_gate) base.Write(value); }
    public override void Write(char[] buffer, int index, int count) { lock (_gate) base.Write(buffer, index, count); }
    public override void Write(ReadOnlySpan<char> buffer) { lock (_gate) base.Write(buffer); }
    public override void WriteLine(ReadOnlySpan<char> buffer) { lock (_gate) base.WriteLine(buffer); }
    public override void WriteLine(string? value) { lock (_gate) base.WriteLine(value); }
    public override string ToString() { lock (_gate) return base.ToString(); }
}
