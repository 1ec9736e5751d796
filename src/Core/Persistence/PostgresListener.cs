using Microsoft.Extensions.Logging;
using Npgsql;

namespace Narwhal.Core.Persistence;

/// <summary>
/// One Postgres connection that LISTENs on named channels for as long as its consumer runs: it hands each
/// notification over as it arrives, and when the connection drops (Postgres restarted, the backend killed, the
/// network gone) it connects again with backoff. Postgres keeps no notifications for a listener that is away, so
/// the consumer is told each time LISTEN is in place again (and the first time) to look at what it may have missed.
/// </summary>
/// <param name="logger">The consumer's logger: a lost connection is reported under its name.</param>
/// <param name="firstRetry">The wait before the first reconnect; it doubles on each failure in a row, up to <see cref="MaxRetry"/>.</param>
public sealed class PostgresListener(NpgsqlDataSource db, ILogger logger, TimeSpan? firstRetry = null)
{
    public static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(30);

    private readonly TimeSpan _firstRetry = firstRetry ?? TimeSpan.FromSeconds(1);

    /// <summary>Listens on <paramref name="channels"/> until <paramref name="ct"/> is cancelled, then returns.</summary>
    /// <param name="onNotification">Called with the channel and payload of each notification, on the connection's reading path: keep it quick.</param>
    /// <param name="onListening">Called each time LISTEN is in place: at the start and after every reconnect.</param>
    public async Task ListenAsync(IReadOnlyCollection<string> channels, Action<string, string> onNotification, Action onListening, CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync(ct);
                connection.Notification += (_, e) => onNotification(e.Channel, e.Payload);
                // Channel names are the code's own constants, never input: quoted as identifiers all the same.
                var listen = string.Join("; ", channels.Select(c => $"LISTEN \"{c.Replace("\"", "\"\"", StringComparison.Ordinal)}\""));
                await using (var command = new NpgsqlCommand(listen, connection))
                    await command.ExecuteNonQueryAsync(ct);
                failures = 0;
                onListening();
                while (!ct.IsCancellationRequested)
                    await connection.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                var delay = Backoff(failures++);
                logger.LogWarning(ex, "Listening on {Channels} lost its Postgres connection; reconnecting in {DelaySeconds:0.#} s",
                    string.Join(", ", channels), delay.TotalSeconds);
                await Task.Delay(delay, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private TimeSpan Backoff(int failures) =>
        TimeSpan.FromTicks(Math.Min(_firstRetry.Ticks * (1L << Math.Min(failures, 16)), MaxRetry.Ticks));
}
