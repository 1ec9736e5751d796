using System.Threading.Channels;
using Narwhal.Core.Messaging;
using Narwhal.Core.Outbox;
using Narwhal.Core.Persistence;
using Npgsql;

namespace Narwhal.Api.Outbox;

/// <summary>
/// Publishes outbox rows the database announces on <see cref="OutboxStore.Channel"/> (a run released
/// from its concurrency hold when another one ended, whatever ended it) the moment they commit: one
/// LISTEN connection per Api process, no polling. Every replica hears every announcement; row locks
/// (SKIP LOCKED) let one of them publish. A row missed here (listener reconnecting, broker down) is
/// still published by <see cref="OutboxRelay"/>'s polling pass once it is older than the relay's
/// minimum age.
/// </summary>
public sealed class OutboxListener(NpgsqlDataSource db, OutboxStore outbox, RunPublisher publisher, ILogger<OutboxListener> logger)
    : BackgroundService
{
    private readonly Channel<long> _announced = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleReader = true });

    private readonly PostgresListener _listener = new(db, logger);

    // Rows announced while the listener was reconnecting are the relay's polling pass to publish: nothing to do on (re)connect.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(
            _listener.ListenAsync([OutboxStore.Channel], (_, payload) =>
            {
                if (long.TryParse(payload, out var id)) _announced.Writer.TryWrite(id);
            }, onListening: () => { }, stoppingToken),
            PublishAsync(stoppingToken));

    private async Task PublishAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _announced.Reader.WaitToReadAsync(stoppingToken))
            {
                var ids = new List<long>();
                while (ids.Count < 100 && _announced.Reader.TryRead(out var id)) ids.Add(id);
                try
                {
                    await outbox.RelayAnnouncedAsync(ids, publisher.PublishAsync,
                        (message, ex) => logger.LogWarning(ex, "Could not publish released run {RunId} to {Queue}; the outbox relay retries",
                            message.RunId, message.Queue),
                        stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Postgres unreachable, say: the relay's polling pass publishes these rows later.
                    logger.LogWarning(ex, "Publishing {Count} announced outbox row(s) failed; the outbox relay retries", ids.Count);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
