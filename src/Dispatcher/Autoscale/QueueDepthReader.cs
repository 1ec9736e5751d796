using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Narwhal.Core.Configuration;
using Narwhal.Core.Messaging;
using Narwhal.Core.Resilience;
using Polly;

namespace Narwhal.Dispatcher.Autoscale;

/// <summary>A run queue's depth as the broker's management API reports it (its statistics lag a few seconds).</summary>
public sealed record QueueDepth(string Class, int Ready, int Unacked);

/// <summary>
/// Reads the depth of every run queue of this installation's vhost (the path of NARWHAL_RABBITMQ)
/// from the RabbitMQ management HTTP API (NARWHAL_RABBITMQ_MANAGEMENT, credentials in the URL), in
/// one request. Transient failures are retried a little; then the caller gets the exception.
/// </summary>
public sealed class QueueDepthReader : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _vhost;
    private readonly ResiliencePipeline _retry;

    public QueueDepthReader(BrokerSettings broker, ILogger<QueueDepthReader> logger)
    {
        var management = broker.ManagementUrl;
        var baseAddress = new UriBuilder(management) { UserName = "", Password = "" };
        // Relative request paths resolve under a path prefix (a management API behind /rabbitmq/) only with a trailing slash.
        if (!baseAddress.Path.EndsWith('/')) baseAddress.Path += "/";
        _http = new HttpClient
        {
            BaseAddress = baseAddress.Uri,
            Timeout = TimeSpan.FromSeconds(10),
        };
        if (management.UserInfo.Length > 0)
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(management.UserInfo))));
        // amqp://host/ is the default vhost "/"; amqp://host/name is "name".
        var path = Uri.UnescapeDataString(broker.Url.AbsolutePath.TrimStart('/'));
        _vhost = path.Length == 0 ? "/" : path;
        _retry = NarwhalResilience.CreateRetryPipeline("rabbitmq-management", logger, maxRetries: 2);
    }

    /// <summary>Depth per class, for the run queues that exist (a class whose queue is missing is absent).</summary>
    public async Task<IReadOnlyDictionary<string, QueueDepth>> ReadAsync(CancellationToken ct)
    {
        var uri = $"api/queues/{Uri.EscapeDataString(_vhost)}?columns=name,messages_ready,messages_unacknowledged";
        using var json = await _retry.ExecuteAsync(async token =>
        {
            using var response = await _http.GetAsync(uri, token);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync(token);
            return await JsonDocument.ParseAsync(body, cancellationToken: token);
        }, ct);

        var depths = new Dictionary<string, QueueDepth>(StringComparer.Ordinal);
        foreach (var queue in json.RootElement.EnumerateArray())
        {
            var name = queue.TryGetProperty("name", out var n) ? n.GetString() : null;
            if (name is null || !name.StartsWith(RunQueues.Prefix, StringComparison.Ordinal)) continue;
            var resourceClass = name[RunQueues.Prefix.Length..];
            depths[resourceClass] = new QueueDepth(resourceClass, Count(queue, "messages_ready"), Count(queue, "messages_unacknowledged"));
        }
        return depths;
    }

    /// <summary>A fresh queue has no statistics yet: its counts are absent, meaning 0.</summary>
    private static int Count(JsonElement queue, string property) =>
        queue.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : 0;

    public void Dispose() => _http.Dispose();
}
