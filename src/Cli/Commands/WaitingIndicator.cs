using System.Diagnostics;

namespace Narwhal.Cli.Commands;

/// <summary>
/// While a followed run is queued: a spinner with the waiting time on a terminal (one line, redrawn),
/// or one line when stderr is not a terminal; then "started on runner …". It polls the run once a
/// second — the console stream says nothing until the run produces output — and the Runners every
/// few seconds, printing why the run waits whenever that changes (<see cref="WaitingReason"/>).
/// </summary>
public sealed class WaitingIndicator : IAsyncDisposable
{
    private static readonly TimeSpan RunnersEvery = TimeSpan.FromSeconds(5);
    private static readonly string[] Frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
    private readonly CliContext _cx;
    private readonly string _runId;
    private readonly CancellationTokenSource _stop;
    private readonly Task _loop;
    private bool _lineDrawn;
    private int _disposed;

    private WaitingIndicator(CliContext cx, string runId)
    {
        _cx = cx;
        _runId = runId;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cx.Cancel);
        _loop = Task.Run(() => LoopAsync(_stop.Token));
    }

    /// <summary>Starts one unless the output is JSON (scripts read stdout; stderr stays quiet).</summary>
    public static WaitingIndicator? Start(CliContext cx, string runId) => cx.Out.Json ? null : new WaitingIndicator(cx, runId);

    private async Task LoopAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var nextPoll = TimeSpan.Zero;
        var nextRunners = TimeSpan.Zero;
        string? reason = null;
        var announced = false;
        var frame = 0;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (clock.Elapsed >= nextPoll)
                {
                    nextPoll = clock.Elapsed + TimeSpan.FromSeconds(1);
                    var run = await TryGetAsync($"/runs/{_runId}", ct);
                    if (run is { } r && r.S("status") != "queued")
                    {
                        Clear();
                        if (r.S("status") == "running")
                            await _cx.Out.Err.WriteLineAsync($"Started on runner {r.S("runnerId")} after {clock.Elapsed.TotalSeconds:0.0} s.");
                        return;
                    }
                    if (run is { } queued && clock.Elapsed >= nextRunners)
                    {
                        nextRunners = clock.Elapsed + RunnersEvery;
                        if (await TryGetAsync("/runners", ct) is { } runners && WaitingReason.Of(queued, runners) is { } now && now != reason)
                        {
                            Clear();
                            await _cx.Out.Err.WriteLineAsync($"waiting: {now}");
                            reason = now;
                        }
                    }
                }
                if (_cx.Terminal.Stderr)
                {
                    await _cx.Out.Err.WriteAsync($"\r{Frames[frame++ % Frames.Length]} Waiting for a Runner… {clock.Elapsed.TotalSeconds:0}s (queued)");
                    _lineDrawn = true;
                }
                else if (!announced && clock.Elapsed > TimeSpan.FromSeconds(1))
                {
                    await _cx.Out.Err.WriteLineAsync("Waiting for a Runner to take the run (queued)…");
                    announced = true;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(_cx.Terminal.Stderr ? 100 : 250), ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        Clear();
    }

    private async Task<System.Text.Json.JsonElement?> TryGetAsync(string path, CancellationToken ct)
    {
        try
        {
            return (await _cx.Client.GetAsync(path, ct)).Json;
        }
        catch (CliException)
        {
            return null; // the follow stream reports real connection problems; a reason is a bonus
        }
    }

    private void Clear()
    {
        if (!_lineDrawn) return;
        _cx.Out.Err.Write("\r\u001b[K");
        _lineDrawn = false;
    }

    /// <summary>Stops and erases the indicator (before the first log text is written).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stop.CancelAsync();
        try { await _loop; } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
