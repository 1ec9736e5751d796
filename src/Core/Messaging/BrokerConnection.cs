using Microsoft.Extensions.Logging;
using Narwhal.Core.Configuration;
using RabbitMQ.Client;

namespace Narwhal.Core.Messaging;

/// <summary>The process's one AMQP connection (channels are cheap, connections are not), opened once on first use.</summary>
public sealed class BrokerConnection(BrokerSettings settings, string clientName, ILogger<BrokerConnection> logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;

    public BrokerSettings Settings => settings;

    public async Task<IConnection> GetAsync(CancellationToken ct)
    {
        if (_connection is not null) return _connection;
        await _gate.WaitAsync(ct);
        try
        {
            return _connection ??= await RabbitConnectionFactory.ConnectAsync(settings, clientName, logger, ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    public bool IsOpen => _connection is { IsOpen: true };

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            try { await _connection.CloseAsync(); } catch (Exception ex) { logger.LogDebug(ex, "Closing the broker connection failed"); }
            await _connection.DisposeAsync();
        }
        _gate.Dispose();
    }
}
