using System.Net;
using System.Net.Http.Headers;
using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.EndToEnd.Tests;

/// <summary>The stored console log over HTTP: ranges, ETag revalidation and caching of a finished run.</summary>
[TestFixture]
public sealed class ConsoleLog_Specs : StackFixture
{
    private string _path = null!;
    private string _full = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        await Stack.StartRunnerAsync("console-runner");
        await Client.PutFreestyleJobAsync("counting", TestEnvironment.BusyboxImage, "for i in $(seq 1 200); do echo line-$i; done");
        var run = await Client.TriggerAsync("counting");
        await Client.WaitForRunEndAsync(run.Str("id"));
        _path = $"/runs/{run.Str("id")}/results/console";
        _full = await Client.GetStringAsync(_path);
    }

    private async Task<HttpResponseMessage> GetAsync(Action<HttpRequestHeaders> headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _path);
        headers(request.Headers);
        return await Client.SendAsync(request);
    }

    [Test]
    public async Task When_a_finished_run_log_is_read_Should_carry_an_etag_and_long_lived_caching()
    {
        var response = await Client.GetAsync(_path);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/plain"));
        Assert.That(response.Headers.ETag, Is.Not.Null);
        Assert.That(response.Headers.CacheControl!.MaxAge, Is.GreaterThanOrEqualTo(TimeSpan.FromDays(30)));
        Assert.That(_full, Does.Contain("line-1\n").And.Contain("line-200\n"));
    }

    [Test]
    public async Task When_the_etag_is_sent_back_Should_answer_304_without_a_body()
    {
        var etag = (await Client.GetAsync(_path)).Headers.ETag!;
        var response = await GetAsync(h => h.IfNoneMatch.Add(etag));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.Empty);
    }

    [Test]
    public async Task When_a_range_is_asked_Should_answer_206_with_exactly_those_bytes()
    {
        var middle = await GetAsync(h => h.Range = new RangeHeaderValue(10, 29));
        Assert.That(middle.StatusCode, Is.EqualTo(HttpStatusCode.PartialContent));
        Assert.That(await middle.Content.ReadAsStringAsync(), Is.EqualTo(_full.Substring(10, 20)));
        Assert.That(middle.Content.Headers.ContentRange!.ToString(), Is.EqualTo($"bytes 10-29/{_full.Length}"));

        var tail = await GetAsync(h => h.Range = new RangeHeaderValue(null, 9));
        Assert.That(await tail.Content.ReadAsStringAsync(), Is.EqualTo(_full[^9..]));

        var from = await GetAsync(h => h.Range = new RangeHeaderValue(_full.Length - 5, null));
        Assert.That(await from.Content.ReadAsStringAsync(), Is.EqualTo(_full[^5..]));
    }

    [Test]
    public async Task When_the_range_starts_past_the_end_Should_answer_416_with_the_size()
    {
        var response = await GetAsync(h => h.Range = new RangeHeaderValue(_full.Length + 10, null));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestedRangeNotSatisfiable));
        Assert.That(response.Content.Headers.ContentRange!.ToString(), Is.EqualTo($"bytes */{_full.Length}"));
    }
}
