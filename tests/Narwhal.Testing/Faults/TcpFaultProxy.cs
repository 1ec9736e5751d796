using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Narwhal.Testing.Faults;

/// <summary>
/// A TCP proxy on loopback between a client (a Runner, the Api) and a real service (Postgres,
/// RabbitMQ) that cuts connections at chosen points of the conversation — the network faults a
/// process must survive, placed exactly instead of hoped for.
///
/// Rules look at the bytes that pass: <see cref="CutReplyTo(string, string, int)"/> waits for the client to send a
/// pattern (part of an SQL text), then drops the server's answer up to and including a chunk that
/// holds the reply pattern (<c>UPDATE 1</c>) and closes both sides — the server has done the work,
/// the client never hears of it. <see cref="CutRequest(string, int)"/> closes both sides before a request that
/// holds the pattern reaches the server. <see cref="Refuse"/> takes the service away (connections
/// are accepted and closed at once) until <see cref="Restore"/>; <see cref="CutAll"/> closes every
/// open connection.
/// </summary>
public sealed class TcpFaultProxy : IAsyncDisposable
{
    private readonly IPEndPoint _upstream;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<int, Link> _links = new();
    private readonly Lock _rulesLock = new();
    private readonly List<Rule> _rules = [];
    private readonly Task _accepting;
    private int _nextLink;
    private volatile bool _refusing;
    private int _cuts;

    public TcpFaultProxy(string upstreamHost, int upstreamPort)
    {
        _upstream = new IPEndPoint(Dns.GetHostAddresses(upstreamHost).First(a => a.AddressFamily == AddressFamily.InterNetwork), upstreamPort);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Task.Run(AcceptAsync);
    }

    /// <summary>Where clients connect instead of the service.</summary>
    public int Port { get; }

    /// <summary>How many connections a rule or <see cref="CutAll"/> has cut so far.</summary>
    public int Cuts => Volatile.Read(ref _cuts);

    /// <summary>Open client connections right now.</summary>
    public int OpenConnections => _links.Count;

    /// <summary>A proxy for the test Postgres server, and the connection string that goes through it.</summary>
    public static (TcpFaultProxy Proxy, string ConnectionString) ForPostgres(string connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        var proxy = new TcpFaultProxy(builder.Host ?? "127.0.0.1", builder.Port);
        builder.Host = "127.0.0.1";
        builder.Port = proxy.Port;
        return (proxy, builder.ConnectionString);
    }

    /// <summary>A proxy for a RabbitMQ node, and the AMQP URI (same credentials and vhost) that goes through it.</summary>
    public static (TcpFaultProxy Proxy, Uri AmqpUrl) ForAmqp(Uri amqpUrl)
    {
        var proxy = new TcpFaultProxy(amqpUrl.Host, amqpUrl.IsDefaultPort ? 5672 : amqpUrl.Port);
        return (proxy, new UriBuilder(amqpUrl) { Host = "127.0.0.1", Port = proxy.Port }.Uri);
    }

    /// <summary>
    /// After a client sends <paramref name="requestPattern"/>, the server's answer is swallowed until
    /// a chunk holding <paramref name="replyPattern"/> has passed the server (not the client), then the
    /// connection is cut. Fires <paramref name="times"/> times; the task completes at the last cut.
    /// </summary>
    public Task CutReplyTo(string requestPattern, string replyPattern, int times = 1) =>
        CutReplyTo([requestPattern], replyPattern, times);

    /// <summary>
    /// As <see cref="CutReplyTo(string, string, int)"/>, for a request that holds every one of
    /// <paramref name="requestPatterns"/> (several fragments of one SQL text survive a rewording of it
    /// better than one exact phrase).
    /// </summary>
    public Task CutReplyTo(IReadOnlyList<string> requestPatterns, string replyPattern, int times = 1) =>
        AddRule(new Rule(Encode(requestPatterns), Encoding.UTF8.GetBytes(replyPattern), times));

    /// <summary>Cuts the connection before a request holding <paramref name="requestPattern"/> reaches the server.</summary>
    public Task CutRequest(string requestPattern, int times = 1) => CutRequest([requestPattern], times);

    /// <summary>Cuts the connection before a request holding every one of <paramref name="requestPatterns"/> reaches the server.</summary>
    public Task CutRequest(IReadOnlyList<string> requestPatterns, int times = 1) =>
        AddRule(new Rule(Encode(requestPatterns), null, times));

    private static byte[][] Encode(IReadOnlyList<string> patterns)
    {
        if (patterns.Count == 0) throw new ArgumentException("At least one pattern.", nameof(patterns));
        return patterns.Select(p => Encoding.UTF8.GetBytes(p)).ToArray();
    }

    /// <summary>The service is away: open connections are cut, new ones accepted and closed at once.</summary>
    public void Refuse()
    {
        _refusing = true;
        CutAll();
    }

    /// <summary>The service is back.</summary>
    public void Restore() => _refusing = false;

    /// <summary>Closes every open connection (both sides).</summary>
    public void CutAll()
    {
        foreach (var link in _links.Values)
        {
            if (link.Close()) Interlocked.Increment(ref _cuts);
        }
    }

    private Task AddRule(Rule rule)
    {
        lock (_rulesLock) _rules.Add(rule);
        return rule.Done.Task;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            if (_refusing)
            {
                client.Client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                continue;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        var server = new TcpClient();
        try
        {
            await server.ConnectAsync(_upstream, _stop.Token);
        }
        catch (Exception)
        {
            client.Dispose();
            server.Dispose();
            return;
        }
        client.NoDelay = server.NoDelay = true;
        var id = Interlocked.Increment(ref _nextLink);
        var link = new Link(client, server);
        _links[id] = link;
        try
        {
            await Task.WhenAll(PumpAsync(link, toServer: true), PumpAsync(link, toServer: false));
        }
        finally
        {
            _links.TryRemove(id, out _);
            link.Close();
        }
    }

    private async Task PumpAsync(Link link, bool toServer)
    {
        var from = toServer ? link.Client.GetStream() : link.Server.GetStream();
        var to = toServer ? link.Server.GetStream() : link.Client.GetStream();
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0) break;
                var chunk = buffer.AsMemory(0, read);
                var verdict = toServer ? OnRequest(link, chunk.Span) : OnReply(link, chunk.Span);
                if (verdict == Verdict.Cut) return;
                // Part of an answer being swallowed: the connection stays open until the reply pattern has passed.
                if (verdict == Verdict.Swallow) continue;
                await to.WriteAsync(chunk, _stop.Token);
            }
        }
        catch (Exception) when (link.Closed || _stop.IsCancellationRequested)
        {
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            link.Close();
        }
    }

    /// <summary>What becomes of a chunk: passed on, dropped with the connection kept (an answer being swallowed), or cut.</summary>
    private enum Verdict { Pass, Swallow, Cut }

    private Verdict OnRequest(Link link, ReadOnlySpan<byte> chunk)
    {
        var seen = link.Seen(chunk, toServer: true);
        lock (_rulesLock)
        {
            foreach (var rule in _rules.Where(r => r.Remaining > 0))
            {
                if (!rule.Request.All(pattern => Contains(seen, pattern))) continue;
                if (rule.Reply is null)
                {
                    rule.Fired();
                    Cut(link);
                    return Verdict.Cut;
                }
                link.Armed = rule;
                rule.Remaining--;
                return Verdict.Pass;
            }
        }
        return Verdict.Pass;
    }

    private Verdict OnReply(Link link, ReadOnlySpan<byte> chunk)
    {
        if (link.Armed is not { } rule) return Verdict.Pass;
        // Swallowed either way: the answer, or the part of it before the reply pattern.
        if (Contains(link.Seen(chunk, toServer: false), rule.Reply!))
        {
            link.Armed = null;
            Cut(link);
            rule.FiredArmed();
            return Verdict.Cut;
        }
        return Verdict.Swallow;
    }

    private void Cut(Link link)
    {
        if (link.Close()) Interlocked.Increment(ref _cuts);
    }

    private static bool Contains(ReadOnlySpan<byte> haystack, byte[] needle) => haystack.IndexOf(needle) >= 0;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        foreach (var link in _links.Values) link.Close();
        try { await _accepting; } catch (Exception) { }
        _stop.Dispose();
    }

    private sealed class Rule(byte[][] request, byte[]? reply, int times)
    {
        private readonly int _times = times;
        private int _fired;
        /// <summary>Every one of these must be in the request (the chunk, with the end of the one before).</summary>
        public byte[][] Request { get; } = request;
        public byte[]? Reply { get; } = reply;
        public int Remaining { get; set; } = times;
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>A cut-request rule fired once.</summary>
        public void Fired()
        {
            Remaining--;
            if (Interlocked.Increment(ref _fired) >= _times) Done.TrySetResult();
        }

        /// <summary>A cut-reply rule (its count taken when armed) finished one cut.</summary>
        public void FiredArmed()
        {
            if (Interlocked.Increment(ref _fired) >= _times) Done.TrySetResult();
        }
    }

    private sealed class Link(TcpClient client, TcpClient server)
    {
        private const int Carry = 256;
        private readonly byte[] _tailUp = new byte[Carry];
        private readonly byte[] _tailDown = new byte[Carry];
        private int _tailUpLength;
        private int _tailDownLength;
        private int _closed;

        public TcpClient Client { get; } = client;
        public TcpClient Server { get; } = server;
        public volatile Rule? Armed;
        public bool Closed => Volatile.Read(ref _closed) == 1;

        /// <summary>The chunk with the end of the previous one before it, so a pattern split across reads is still found.</summary>
        public byte[] Seen(ReadOnlySpan<byte> chunk, bool toServer)
        {
            var tail = toServer ? _tailUp : _tailDown;
            var tailLength = toServer ? _tailUpLength : _tailDownLength;
            var seen = new byte[tailLength + chunk.Length];
            tail.AsSpan(0, tailLength).CopyTo(seen);
            chunk.CopyTo(seen.AsSpan(tailLength));
            var keep = Math.Min(Carry, seen.Length);
            seen.AsSpan(seen.Length - keep).CopyTo(tail);
            if (toServer) _tailUpLength = keep;
            else _tailDownLength = keep;
            return seen;
        }

        /// <summary>Closes both sides with a reset; true the first time.</summary>
        public bool Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 1) return false;
            foreach (var side in new[] { Client, Server })
            {
                try
                {
                    side.Client.LingerState = new LingerOption(true, 0);
                    side.Dispose();
                }
                catch (Exception)
                {
                    // Already gone.
                }
            }
            return true;
        }
    }
}
