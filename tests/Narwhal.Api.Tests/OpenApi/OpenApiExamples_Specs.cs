using System.Text;
using System.Text.Json;
using NUnit.Framework;

namespace Narwhal.Api.Tests.OpenApi;

/// <summary>The request examples in the OpenAPI document are bodies the Api accepts: each one is sent as it stands.</summary>
[TestFixture]
public sealed class OpenApiExamples_Specs
{
    /// <summary>The operations whose request body a client most needs an example for.</summary>
    private static readonly string[] NeedExamples =
    [
        "PUT /jobs/{name}", "POST /jobs/{name}/runs", "POST /tokens", "PUT /jobs/{name}/secrets/{key}", "PUT /jobs/{name}/git-credentials",
    ];

    private TestStack _stack = null!;
    private Dictionary<string, JsonElement> _examples = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _stack = await TestStack.CreateAsync();
        using var anonymous = _stack.Client(token: null);
        var document = JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json")).RootElement.Clone();
        _examples = [];
        foreach (var path in document.GetProperty("paths").EnumerateObject())
            foreach (var operation in path.Value.EnumerateObject())
                if (operation.Value.TryGetProperty("requestBody", out var body)
                    && body.GetProperty("content").TryGetProperty("application/json", out var json)
                    && json.TryGetProperty("example", out var example))
                    _examples[$"{operation.Name.ToUpperInvariant()} {path.Name}"] = example;
    }

    [OneTimeTearDown]
    public async Task Stop() => await _stack.DisposeAsync();

    [Test]
    public void When_an_operation_takes_a_body_a_client_writes_by_hand_Should_document_an_example()
    {
        Assert.That(NeedExamples.Where(k => !_examples.ContainsKey(k)), Is.Empty, "operations without a request example");
    }

    [Test]
    public async Task When_each_example_is_sent_as_documented_Should_succeed()
    {
        using var admin = _stack.Client();
        var failures = new List<string>();
        // The job first: the trigger, secret and credentials examples are for the job it defines.
        foreach (var (key, example) in _examples.OrderBy(e => e.Key == "PUT /jobs/{name}" ? 0 : 1).ThenBy(e => e.Key, StringComparer.Ordinal))
        {
            var method = key.Split(' ')[0];
            var path = key.Split(' ')[1].Replace("{name}", "example-job").Replace("{key}", "DEPLOY_KEY");
            using var request = new HttpRequestMessage(new HttpMethod(method), path)
            {
                Content = new StringContent(example.GetRawText(), Encoding.UTF8, "application/json"),
            };
            var response = await admin.SendAsync(request);
            if (!response.IsSuccessStatusCode)
                failures.Add($"{key} with {example.GetRawText()} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }
}
