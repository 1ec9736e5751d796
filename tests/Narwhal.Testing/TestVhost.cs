using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Narwhal.Testing;

/// <summary>A RabbitMQ virtual host of its own for one fixture (queues isolated), deleted on dispose.</summary>
public sealed class TestVhost : IAsyncDisposable
{
    private static readonly HttpClient Management = CreateManagementClient();

    private TestVhost(string name) => Name = name;

    public string Name { get; }

    /// <summary>AMQP URI of this vhost, for NARWHAL_RABBITMQ.</summary>
    public Uri AmqpUrl => new UriBuilder(TestEnvironment.RabbitMq) { Path = "/" + Uri.EscapeDataString(Name) }.Uri;

    public static async Task<TestVhost> CreateAsync()
    {
        var name = $"t-{Guid.NewGuid():N}";
        (await Management.PutAsync($"api/vhosts/{name}", null)).EnsureSuccessStatusCode();
        var user = TestEnvironment.RabbitMq.UserInfo.Split(':')[0];
        (await Management.PutAsJsonAsync($"api/permissions/{name}/{user}", new { configure = ".*", write = ".*", read = ".*" }))
            .EnsureSuccessStatusCode();
        return new TestVhost(name);
    }

    public sealed record QueueState(string Name, int MessagesReady, int MessagesUnacknowledged, int Consumers);

    /// <summary>Depths as the management API reports them (refreshed every few seconds by the broker).</summary>
    public async Task<QueueState?> QueueAsync(string queue)
    {
        var response = await Management.GetAsync($"api/queues/{Name}/{Uri.EscapeDataString(queue)}");
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        int Get(string p) => json.TryGetProperty(p, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;
        return new QueueState(queue, Get("messages_ready"), Get("messages_unacknowledged"), Get("consumers"));
    }

    public async ValueTask DisposeAsync() => await Management.DeleteAsync($"api/vhosts/{Name}");

    private static HttpClient CreateManagementClient()
    {
        var url = TestEnvironment.RabbitMqManagement;
        var client = new HttpClient { BaseAddress = new UriBuilder(url) { UserName = "", Password = "" }.Uri };
        var credentials = Uri.UnescapeDataString(url.UserInfo);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        return client;
    }
}
