using System.Collections.Concurrent;
using System.Threading.Channels;
using Narwhal.Core.Logs;
using Narwhal.Core.Persistence;
using Npgsql;

namespace Narwhal.Api.Logs;

/// <summary>
/// The one Postgres LISTEN connection of this Api process, fanned out to every follower of a live
/// log in memory: a thousand followers cost one database connection, not a thousand. Followers get
/// a "look again" signal, never data; they read the chunks themselves from where they are, so a
/// missed or coalesced signal loses nothing. After a reconnect (<see cref="PostgresListener"/>) every follower is signalled.
/// </summary>
public sealed class LogNotificationHub(NpgsqlDataSource db, ILogger<LogNotificationHub> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<Channel<bool>, byte>> _followers = new();

    public sealed class Subscription(LogNotificationHub hub, Guid runId, Channel<bool> channel) : IDisposable
    {
        public ChannelReader<bool> Signals => channel.Reader;

        public void Dispose()
        {
            if (hub._followers.TryGetValue(runId, out var set) && set.TryRemove(channel, out _) && set.IsEmpty)
                hub._followers.TryRemove(new KeyValuePair<Guid, ConcurrentDictionary<Channel<bool>, byte>>(runId, set));
        }
    }

    public Subscription Subscribe(Guid runId)
    {
        var channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
        _followers.GetOrAdd(runId, _ => new()).TryAdd(channel, 0);
        return new Subscription(this, runId, channel);
    }

    public int FollowerCount => _followers.Values.Sum(s => s.Count);

    private readonly PostgresListener _listener = new(db, logger);

    // On every (re)connect all followers look again: a chunk written while no one listened announced nothing.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _listener.ListenAsync([LogChunkStore.Channel], (_, payload) => Signal(payload), SignalAll, stoppingToken);

    private void Signal(string payload)
    {
        var separator = payload.IndexOf(':');
        if (separator < 0 || !Guid.TryParse(payload.AsSpan(0, separator), out var runId)) return;
        if (!_followers.TryGetValue(runId, out var set)) return;
        foreach (var channel in set.Keys) channel.Writer.TryWrite(true);
    }

    private void SignalAll()
    {
        foreach (var set in _followers.Values)
            foreach (var channel in set.Keys)
                channel.Writer.TryWrite(true);
    }
}
