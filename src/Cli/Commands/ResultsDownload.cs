using System.Text.Json;

namespace Narwhal.Cli.Commands;

/// <summary>
/// <c>results download RUN</c>: a run's JUnit reports (one zip), artifacts (each under its own path) and console
/// log, streamed to a directory. A pipeline keeps its files in its steps: each step's go to <c>DIR/KEY/</c>;
/// <c>--step KEY</c> saves one step's.
/// </summary>
public sealed class ResultsDownload
{
    private static readonly string[] Kinds = ["junit", "artifacts", "console"];

    /// <summary>How a note or an error says that a kind is missing.</summary>
    private static readonly Dictionary<string, string> Lacking = new()
    {
        ["junit"] = "no JUnit reports",
        ["artifacts"] = "no artifacts",
        ["console"] = "no console log",
    };

    private readonly CliContext _cx;
    private readonly HashSet<string> _asked;
    private readonly string _attempt;
    private readonly List<SavedFile> _saved = [];
    private readonly List<string> _missing = [];
    private readonly List<string> _refused = [];
    private readonly HashSet<string> _found = [];

    private ResultsDownload(CliContext cx, HashSet<string> asked, string attempt)
    {
        _cx = cx;
        _asked = asked;
        _attempt = attempt;
    }

    /// <summary>Whose files: the path their routes hang off, their console's, the directory they go to, how notes name them.</summary>
    private sealed record Source(string Of, string Console, string Dir, string Name);

    private sealed record SavedFile(string Kind, string Path, long Size);

    private bool ExplicitKinds => _asked.Count > 0;

    public static async Task<int> RunAsync(CliContext cx)
    {
        var args = cx.Args;
        var reference = args.Required(2, "run id (or JOB/NUMBER): narwhal results download RUN");
        var asked = args.Options("kind").SelectMany(k => k.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToHashSet();
        var dir = args.Option("output-dir");
        var step = args.Option("step");
        var attempt = RunSteps.ParseAttempt(args.Option("attempt"), step);
        args.EnsureConsumed(3);
        if (asked.FirstOrDefault(k => !Kinds.Contains(k)) is { } unknown)
            throw CliException.Usage($"--kind is junit, artifacts or console, not '{unknown}'");
        var id = await RunCommands.ResolveAsync(cx, reference);

        var run = (await cx.Client.GetAsync($"/runs/{id}", cx.Cancel)).Json;
        var label = RunCommands.Label(run);
        dir ??= $"run-{run.S("job")}-{run.S("number")}" + (step is null ? "" : $"-{step}");
        Source OfStep(string key, string into) => new(RunSteps.Path(id, key), $"{RunSteps.Path(id, key)}/console", into, $"step '{key}' of run {label}");
        List<Source> sources = step is not null ? [OfStep(step, dir)]
            : RunSteps.IsPipeline(run) ? RunSteps.Of(run).Select(s => OfStep(s.S("key"), Path.Join(dir, s.S("key")))).ToList()
            : [new Source($"/runs/{id}", $"/runs/{id}/results/console", dir, $"run {label}")];

        var download = new ResultsDownload(cx, asked, RunSteps.AttemptQuery(attempt));
        var several = sources.Count > 1;
        foreach (var source in sources) await download.SaveAsync(source, several);
        return await download.EndAsync(several ? $"every step of run {label}" : sources[0].Name, several, dir);
    }

    /// <summary>Saves what one source has of the kinds asked for.</summary>
    private async Task SaveAsync(Source source, bool several)
    {
        var overview = (await _cx.Client.GetAsync($"{source.Of}/results{_attempt}", _cx.Cancel)).Json;
        if (overview.S("expiredAt") is { Length: > 0 })
            throw new CliException(ExitCodes.Api, $"the results of {source.Name} expired at {overview.Time("expiredAt")}");

        if (Wanted("junit"))
        {
            if (ResultsCommands.Files(overview, "junit").Count == 0) Lacks(source, "junit", several);
            else await SaveFileAsync("junit", $"{source.Of}/results/junit{_attempt}", Path.Join(source.Dir, "junit.zip"));
        }
        if (Wanted("artifacts"))
        {
            var artifacts = ResultsCommands.Files(overview, "artifacts");
            if (artifacts.Count == 0) Lacks(source, "artifacts", several);
            var root = Path.Join(source.Dir, "artifacts");
            foreach (var artifact in artifacts)
            {
                var relative = artifact.S("path");
                if (ApiDownloads.FileInside(root, relative) is not { } file)
                {
                    _refused.Add(relative);
                    await _cx.Out.Err.WriteLineAsync($"narwhal: refused artifact path '{relative}': it would be written outside {root}");
                    continue;
                }
                await SaveFileAsync("artifacts", $"{source.Of}/results/artifacts/{ApiDownloads.EscapePath(relative)}{_attempt}", file, Path.Join(root, relative));
            }
        }
        if (Wanted("console"))
        {
            if (overview.P("console").S("available") != "true") Lacks(source, "console", several);
            else await SaveFileAsync("console", source.Console + _attempt, Path.Join(source.Dir, "console.log"));
        }
    }

    private bool Wanted(string kind) => !ExplicitKinds || _asked.Contains(kind);

    private async Task SaveFileAsync(string kind, string path, string file, string? shown = null)
    {
        shown ??= file;
        var size = await _cx.Client.DownloadToFileAsync(path, file, _cx.Cancel);
        _found.Add(kind);
        _saved.Add(new SavedFile(kind, shown, size));
        if (!_cx.Out.Json) await _cx.Out.Out.WriteLineAsync($"saved {shown} ({ApiDownloads.Size(size)})");
    }

    /// <summary>A kind asked for by name that the run (or the one step) lacks is an error; otherwise a note.</summary>
    private void Lacks(Source source, string kind, bool several)
    {
        if (ExplicitKinds && !several) _missing.Add(Lacking[kind]);
        else _cx.Out.Err.WriteLine($"({source.Name} has {Lacking[kind]}: skipped {kind})");
    }

    /// <param name="whose">How the error for missing kinds names what lacks them.</param>
    /// <param name="several">A pipeline's steps: a kind asked for by name is missing only when none of them had it.</param>
    private async Task<int> EndAsync(string whose, bool several, string dir)
    {
        if (several) _missing.AddRange(_asked.Where(kind => !_found.Contains(kind)).Select(kind => Lacking[kind]));
        if (_cx.Out.Json) _cx.Out.WriteJson(JsonSerializer.Serialize(_saved, JsonOut.Compact));
        else if (_saved.Count == 0 && _missing.Count == 0) await _cx.Out.Err.WriteLineAsync("Nothing to download.");
        if (_missing.Count > 0)
            throw new CliException(ExitCodes.NotFound, $"{whose} has {string.Join(", ", _missing)}");
        if (_refused.Count > 0)
            throw new CliException(ExitCodes.Api, $"refused {_refused.Count} artifact path(s) that would be written outside {dir}");
        return ExitCodes.Ok;
    }
}
