namespace Narwhal.Cli.Following;

/// <summary>
/// Ctrl-C while following a run (its console, its pipeline or one of its steps). With
/// <c>interactive</c> (run --follow and the like) the first press is offered to this prompt: on a
/// terminal it asks whether to abort the run, and without one it stops following and leaves the run
/// alone. Otherwise Ctrl-C cancels the command as anywhere else.
/// </summary>
public sealed class AbortPrompt(CliContext cx, string runId, string label, bool interactive)
{
    private bool _abortRequested;
    private bool _declined;

    /// <summary>Offers the next Ctrl-C to cancel <paramref name="interrupt"/>, for the scope returned (none once the abort was asked for).</summary>
    public IDisposable? Offer(CancellationTokenSource interrupt)
    {
        var offer = interactive && !_abortRequested ? cx.Interrupts.Offer(interrupt.Cancel) : null;
        if (_declined)
        {
            // Said only once the next Ctrl-C is offered again: a press right after this line asks again.
            cx.Out.Err.WriteLine("Still following (the run goes on).");
            _declined = false;
        }
        return offer;
    }

    /// <summary>After a Ctrl-C was taken: the exit code to stop with (130), or null to go on following.</summary>
    public async Task<int?> InterruptedAsync()
    {
        if (!cx.StdinIsTerminal)
        {
            await cx.Out.Err.WriteLineAsync($"narwhal: stopped following; run {label} goes on (narwhal runs abort {runId} stops it)");
            return 130;
        }
        if (await AskAsync($"Abort run {label}? [y/N] "))
        {
            await cx.Client.PostAsync($"/runs/{runId}/abort", null, cx.Cancel);
            await cx.Out.Err.WriteLineAsync("Abort requested; following until the run ends (Ctrl-C again leaves it).");
            _abortRequested = true;
        }
        else _declined = true;
        return null;
    }

    /// <summary>A y/N question on stderr, answered on stdin; a second Ctrl-C while asking cancels the command.</summary>
    private async Task<bool> AskAsync(string question)
    {
        await cx.Out.Err.WriteAsync(question);
        // A console read does not observe the token; racing it against cancellation keeps Ctrl-C working.
        var read = cx.Stdin.ReadLineAsync(cx.Cancel).AsTask();
        var cancelled = Task.Delay(Timeout.Infinite, cx.Cancel);
        if (await Task.WhenAny(read, cancelled) == cancelled) cx.Cancel.ThrowIfCancellationRequested();
        var answer = await read;
        return answer?.Trim().ToLowerInvariant() is "y" or "yes";
    }
}
