using System.Net;
using System.Text.Json;
using NUnit.Framework;

namespace Narwhal.Api.Tests.OpenApi;

/// <summary>The OpenAPI document describes the Api that runs: every operation, its scope, the bearer scheme — checked against live answers.</summary>
[TestFixture]
public sealed class OpenApiDocument_Specs
{
    private TestStack _stack = null!;
    private JsonElement _document;

    [OneTimeSetUp]
    public async Task Start()
    {
        // With a webhook secret, POST /hooks/github answers an unsigned request 401 like every other operation without its credentials.
        _stack = await TestStack.CreateAsync(apiSettings: new Dictionary<string, string?> { ["NARWHAL_GITHUB_WEBHOOK_SECRET"] = "document-webhook-secret-0123" });
        using var anonymous = _stack.Client(token: null);
        var response = await anonymous.GetAsync("/openapi/v1.json");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the document needs no token");
        _document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [OneTimeTearDown]
    public async Task Stop() => await _stack.DisposeAsync();

    private IEnumerable<(string Path, string Method, JsonElement Operation)> Operations() =>
        _document.GetProperty("paths").EnumerateObject().SelectMany(path =>
            path.Value.EnumerateObject().Select(op => (path.Name, op.Name.ToUpperInvariant(), op.Value)));

    /// <summary>Called by GitHub, authenticated by the signature of its body instead of a token.</summary>
    private static bool IsSigned(JsonElement operation) => operation.TryGetProperty("x-narwhal-auth", out _);

    [Test]
    public void When_the_document_is_read_Should_declare_the_bearer_scheme_and_the_main_operations()
    {
        var scheme = _document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer");
        Assert.That(scheme.GetProperty("scheme").GetString(), Is.EqualTo("bearer"));
        var paths = _document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.That(paths, Does.Contain("/jobs/{name}").And.Contain("/jobs/{name}/runs").And.Contain("/runs/{id}").And.Contain("/runs/{id}/results/console"));
    }

    [Test]
    public void When_the_pipeline_shapes_are_read_Should_describe_steps_and_needs_as_the_Api_takes_and_gives_them()
    {
        var schemas = _document.GetProperty("components").GetProperty("schemas");
        var need = schemas.GetProperty("JobStepDto").GetProperty("properties").GetProperty("needs").GetProperty("items");
        Assert.That(need.GetProperty("oneOf").EnumerateArray().Select(s => s.GetProperty("type").GetString()), Is.EqualTo(new[] { "string", "object" }));
        var steps = schemas.GetProperty("JobRequest").GetProperty("properties").GetProperty("steps");
        Assert.That(steps.GetRawText(), Does.Contain("JobStepDto"), "steps is an object of steps by key");
        var runSteps = schemas.GetProperty("RunDto").GetProperty("properties").GetProperty("steps");
        Assert.That(runSteps.GetRawText(), Does.Contain("StepDto"));
        var paths = _document.GetProperty("paths");
        foreach (var path in new[] { "/runs/{id}/steps/{key}", "/runs/{id}/steps/{key}/console", "/runs/{id}/steps/{key}/retry", "/runs/{id}/retry-failed" })
            Assert.That(paths.TryGetProperty(path, out _), Is.True, path);
        var key = paths.GetProperty("/runs/{id}/steps/{key}").GetProperty("get").GetProperty("parameters").EnumerateArray()
            .Single(p => p.GetProperty("name").GetString() == "key");
        Assert.That(key.GetProperty("description").GetString(), Does.Contain("step"), "not the secrets' key");
    }

    [Test]
    public void When_an_operation_needs_a_token_Should_name_its_scope_and_document_401_and_403()
    {
        foreach (var (path, method, operation) in Operations().Where(o => !o.Path.StartsWith("/health") && !IsSigned(o.Operation)))
        {
            Assert.That(operation.TryGetProperty("x-narwhal-scope", out var scope), Is.True, $"{method} {path} names no scope");
            Assert.That(scope.GetString(), Is.AnyOf("read", "trigger", "admin"));
            Assert.That(operation.GetProperty("summary").GetString(), Is.Not.Empty, $"{method} {path} has no summary");
            var responses = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList();
            Assert.That(responses, Does.Contain("401").And.Contain("403"), $"{method} {path}");
        }
        Assert.That(Operations().Count(), Is.GreaterThanOrEqualTo(25));
    }

    [Test]
    public void When_the_webhook_operation_is_read_Should_say_it_is_authenticated_by_the_signature_header_not_a_token()
    {
        var hook = _document.GetProperty("paths").GetProperty("/hooks/github").GetProperty("post");
        var scheme = _document.GetProperty("components").GetProperty("securitySchemes").GetProperty("githubSignature");

        Assert.That((scheme.GetProperty("type").GetString(), scheme.GetProperty("in").GetString(), scheme.GetProperty("name").GetString()),
            Is.EqualTo(("apiKey", "header", "X-Hub-Signature-256")));
        Assert.That(hook.GetProperty("security")[0].TryGetProperty("githubSignature", out _), Is.True);
        Assert.That(hook.TryGetProperty("x-narwhal-scope", out _), Is.False);
        Assert.That(hook.GetProperty("description").GetString(), Does.Contain("X-Hub-Signature-256"));
        Assert.That(hook.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _), Is.True);
        Assert.That(hook.GetProperty("responses").EnumerateObject().Select(r => r.Name),
            Is.SupersetOf(new[] { "200", "202", "400", "401", "413", "415", "503" }));
    }

    [Test]
    public void When_an_operation_is_documented_Should_describe_it_beyond_its_summary_and_scope()
    {
        var undescribed = Operations()
            .Where(o => !o.Operation.TryGetProperty("description", out var d) || d.GetString()!.Split("Requires scope:")[0].Trim().Length < 20)
            .Select(o => $"{o.Method} {o.Path}").ToList();
        Assert.That(undescribed, Is.Empty, "operations without a description (add one to src/Api/OpenApi/OperationCatalog.cs)");
    }

    [Test]
    public void When_an_operation_documents_an_error_Should_give_it_as_problem_json()
    {
        var plain = Operations().SelectMany(o => o.Operation.GetProperty("responses").EnumerateObject()
                .Where(r => r.Name.StartsWith('4') || r.Name.StartsWith('5'))
                .Where(r => !r.Value.TryGetProperty("content", out var content) || !content.TryGetProperty("application/problem+json", out _))
                .Select(r => $"{o.Method} {o.Path} {r.Name}"))
            .ToList();
        Assert.That(plain, Is.Empty, "error responses documented without application/problem+json");
    }

    [Test]
    public void When_any_operation_is_read_Should_document_the_503_of_an_unreachable_dependency_with_retry_after()
    {
        var missing = Operations().Where(o =>
            {
                if (!o.Operation.GetProperty("responses").TryGetProperty("503", out var unavailable)) return true;
                var problemJson = unavailable.TryGetProperty("content", out var content) && content.TryGetProperty("application/problem+json", out _);
                var retryAfter = unavailable.TryGetProperty("headers", out var headers) && headers.TryGetProperty("Retry-After", out _);
                return !problemJson || !retryAfter || !unavailable.GetProperty("description").GetString()!.Contains("Postgres");
            })
            .Select(o => $"{o.Method} {o.Path}").ToList();
        Assert.That(missing, Is.Empty, "operations without the general 503 (problem+json, Retry-After header)");
    }

    [Test]
    public async Task When_each_documented_operation_is_called_without_a_token_Should_answer_the_documented_401_as_problem_json()
    {
        using var anonymous = _stack.Client(token: null);
        foreach (var (path, method, _) in Operations().Where(o => !o.Path.StartsWith("/health")))
        {
            var concrete = path.Replace("{name}", "some-job").Replace("{id}", Guid.NewGuid().ToString()).Replace("{number}", "1")
                .Replace("{key}", "SOME_KEY").Replace("{path}", "dist/a.txt");
            using var request = new HttpRequestMessage(new HttpMethod(method), concrete);
            if (method is "PUT" or "POST") request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
            var response = await anonymous.SendAsync(request);

            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), $"{method} {concrete}");
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), $"{method} {concrete}");
        }
    }

    [Test]
    public async Task When_the_reference_page_is_opened_Should_serve_html()
    {
        using var anonymous = _stack.Client(token: null);
        var response = await anonymous.GetAsync("/docs/index.html");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/html"));
    }
}
