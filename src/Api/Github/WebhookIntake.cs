namespace Narwhal.Api.Github;

/// <summary>
/// Bounds how many webhook bodies are read at once. Until its signature is checked a delivery is anyone's request,
/// and each may hold up to NARWHAL_GITHUB_WEBHOOK_MAX_BODY_KB: without a bound, a burst of large unsigned posts grows
/// the Api's memory without limit. Over the bound the request is refused at once (503, Retry-After) rather than
/// queued, which would only move the pile-up into waiting connections.
/// </summary>
public sealed class WebhookIntake(ApiSettings settings) : IDisposable
{
    public const int RetryAfterSeconds = 1;
    private readonly SemaphoreSlim _slots = new(settings.GithubWebhookMaxConcurrent, settings.GithubWebhookMaxConcurrent);

    /// <summary>A slot to release (dispose) once the body is read and checked, or null when all are taken.</summary>
    public IDisposable? TryEnter() => _slots.Wait(0) ? new Slot(_slots) : null;

    public void Dispose() => _slots.Dispose();

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) slots.Release();
        }
    }
}
