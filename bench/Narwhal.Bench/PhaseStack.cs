using System.Net;
using Narwhal.Testing;

namespace Narwhal.Bench;

/// <summary>
/// What the phases with a stack of their own share: the stack's life and the removal of whatever of
/// its instance is left in Docker afterwards, the Runner build run as a process of its own, and jobs.
/// </summary>
public static class PhaseStack
{
    /// <summary>The Runner built by bench/run.sh (BENCH_RUNNER_DLL), else the one next to this benchmark in bench/.artifacts.</summary>
    public static string RunnerDll()
    {
        if (Environment.GetEnvironmentVariable("BENCH_RUNNER_DLL") is { Length: > 0 } configured) return Path.GetFullPath(configured);
        // bench/.artifacts/bin/Narwhal.Bench/release/ → bench/.artifacts/bin/Narwhal.Runner/release/
        return Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "Narwhal.Runner", "release", "Narwhal.Runner.dll"));
    }

    /// <summary>
    /// The environment of a Runner process of <paramref name="stack"/>: the stack's settings (only those:
    /// RunnerProcess drops every inherited NARWHAL_* variable) and what TestStack.StartRunnerAsync adds,
    /// with <paramref name="slots"/> slots and its spools and git cache under <paramref name="scratch"/>.
    /// </summary>
    public static Dictionary<string, string?> RunnerProcessSettings(TestStack stack, string runnerId, int slots, string scratch)
    {
        var settings = stack.CommonSettings();
        settings["NARWHAL_RUNNER_ID"] = runnerId;
        settings["NARWHAL_RUNNER_LISTEN"] = "http://127.0.0.1:0";
        settings["NARWHAL_SECRETS_KEYS"] = TestStack.SecretsKeys;
        settings["NARWHAL_RUNNER_CLASSES"] = "small";
        settings["NARWHAL_RUNNER_SLOTS"] = slots.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["NARWHAL_RUNNER_SHUTDOWN_GRACE"] = "30";
        settings["NARWHAL_JOB_STOP_GRACE"] = "2";
        // As TestStack: this shared machine's load (builds, tests, the benchmark itself) must not pause the
        // Runner's intake through the host-CPU gate.
        settings["NARWHAL_RUNNER_CPU_MAX_PERCENT"] = "100";
        settings["NARWHAL_RUNNER_WORK_DIR"] = Path.Combine(scratch, runnerId, "work");
        settings["NARWHAL_RUNNER_GIT_CACHE"] = Path.Combine(scratch, runnerId, "git");
        return settings;
    }
    /// <summary>
    /// A stack of its own for one phase. Afterwards (the Runners stopped, the stack gone) any container
    /// or network still labelled with its instance is removed and reported: nothing is left behind.
    /// </summary>
    public static async Task<T> WithStackAsync<T>(Action<string> say, Func<TestStack, string, List<string>, Task<T>> body,
        Func<T, IReadOnlyList<string>, T> withLeftovers) where T : class
    {
        say("creating a stack (own database, vhost, bucket, instance)…");
        var stack = await TestStack.CreateAsync(apiSettings: Quiet.Settings);
        // The Runners' work directory (log spools) and git cache: removed with the stack.
        var scratch = Directory.CreateTempSubdirectory("narwhal-bench-").FullName;
        T result;
        List<string> leftovers;
        try
        {
            result = await body(stack, scratch, []);
        }
        finally
        {
            await stack.DisposeAsync();
            try { Directory.Delete(scratch, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            var removed = await RemoveLeftoversAsync(stack.Instance, say);
            if (removed.Count > 0) say($"warning: removed {removed.Count} leftover(s) of instance {stack.Instance}: {string.Join(", ", removed)}");
            else say($"cleanup: no container or network of instance {stack.Instance} left");
            leftovers = removed;
        }
        return withLeftovers(result, leftovers);
    }

    /// <summary>Removes every container and network of <paramref name="instance"/>; what was removed.</summary>
    public static Task<List<string>> RemoveLeftoversAsync(string instance, Action<string> say) =>
        InstanceLeftovers.RemoveAsync(instance, say);

    public static async Task PutJobAsync(HttpClient client, string name, string[] script, CancellationToken ct)
    {
        var put = await client.PutFreestyleJobAsync(name, TestEnvironment.BusyboxImage, script);
        if (put.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK))
            throw new InvalidOperationException($"PUT /jobs/{name} answered {(int)put.StatusCode}: {await put.Content.ReadAsStringAsync(ct)}");
    }

    /// <summary>
    /// A pid file for a Runner process ("&lt;pid&gt; &lt;instance&gt;"), beside BENCH_RUNNER_PIDFILE
    /// (bench/results/.runner.pid): <c>.runner.pid</c> for no suffix, else <c>.runner-&lt;suffix&gt;.pid</c>.
    /// bench/run.sh stops every process named in a <c>.runner*.pid</c> there if this benchmark is killed.
    /// </summary>
    public static string RunnerPidFile(BenchOptions options, string? suffix = null)
    {
        var configured = Environment.GetEnvironmentVariable("BENCH_RUNNER_PIDFILE") is { Length: > 0 } f
            ? Path.GetFullPath(f)
            : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(options.Output))!, ".runner.pid");
        return suffix is null ? configured : Path.Combine(Path.GetDirectoryName(configured)!, $".runner-{suffix}.pid");
    }
}
