using System.Text.Json;
using System.Text.RegularExpressions;
using Narwhal.Api.Errors;

namespace Narwhal.Api.Github.Webhooks;

/// <summary>
/// Reads a delivery's body into <see cref="WebhookPayload"/> and checks the fields the handled events need, so that
/// nothing downstream meets a missing SHA or a ref with control characters. Unhandled events are only parsed (the
/// body must still be JSON) for their action and repository, which the delivery record shows.
/// </summary>
public static partial class WebhookParser
{
    public const string Ping = "ping";
    public const string PullRequest = "pull_request";
    public const string Push = "push";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        MaxDepth = 64,
        // Only the fields Narwhal reads are deserialized, so U+0000 is refused exactly where it would be stored
        // (Postgres cannot hold it): a NUL in a commit message nobody reads does not cost the delivery.
        Converters = { new NulFreeStringConverter() },
    };

    public static bool IsHandled(string @event) => @event is Ping or PullRequest or Push;

    public static WebhookDelivery Parse(string deliveryId, string @event, ReadOnlyMemory<byte> body)
    {
        WebhookPayload payload;
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new WebhookPayloadException($"The payload is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object.");
            // An event Narwhal does not handle may shape its fields differently: only what the record shows is read, leniently.
            payload = IsHandled(@event) ? root.Deserialize<WebhookPayload>(Options)! : Lenient(root);
        }
        catch (NulCharacterException ex)
        {
            throw new WebhookPayloadException($"The payload's {Field(ex.Path)} contains U+0000 (NUL), which Narwhal cannot store.", ex);
        }
        catch (JsonException ex)
        {
            throw new WebhookPayloadException($"Malformed JSON payload: {ex.Message}", ex);
        }

        var delivery = new WebhookDelivery(deliveryId, @event, payload);
        switch (@event)
        {
            case PullRequest:
                Require(payload.Action, "action");
                var pr = payload.PullRequest ?? throw Missing("pull_request");
                if (pr.Number is not > 0) throw Missing("pull_request.number");
                RequireSha(pr.Head?.Sha, "pull_request.head.sha");
                RequireText(pr.Head?.Ref, "pull_request.head.ref");
                RequireRepository(payload.Repository, "repository");
                break;
            case Push:
                RequireText(payload.Ref, "ref");
                if (!payload.Deleted) RequireSha(payload.HeadCommit?.Id ?? payload.After, "head_commit.id");
                RequireRepository(payload.Repository, "repository");
                break;
        }
        return delivery;
    }

    private static WebhookPayload Lenient(JsonElement root) => new()
    {
        Action = root.TryGetProperty("action", out var action) && action.ValueKind == JsonValueKind.String ? NulFree(action.GetString(), "action") : null,
        Repository = root.TryGetProperty("repository", out var repository) && repository.ValueKind == JsonValueKind.Object
                     && repository.TryGetProperty("full_name", out var name) && name.ValueKind == JsonValueKind.String
            ? new GithubRepositoryPayload { FullName = NulFree(name.GetString(), "repository.full_name") }
            : null,
    };

    private static string? NulFree(string? value, string field) =>
        value?.Contains('\0') == true ? throw new WebhookPayloadException($"The payload's {field} contains U+0000 (NUL), which Narwhal cannot store.") : value;

    /// <summary><c>$.sender.login</c> → <c>sender.login</c>, as the payload names it.</summary>
    private static string Field(string? path) => string.IsNullOrEmpty(path) || path == "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;

    private static void Require(string? value, string field)
    {
        if (string.IsNullOrEmpty(value)) throw Missing(field);
    }

    /// <summary>A ref or name as git allows it: bounded, no control characters.</summary>
    private static void RequireText(string? value, string field)
    {
        Require(value, field);
        if (value!.Length > 255 || value.Any(char.IsControl)) throw new WebhookPayloadException($"The payload's {field} is not a valid git ref name.");
    }

    private static void RequireSha(string? value, string field)
    {
        if (value is null || !Sha().IsMatch(value)) throw new WebhookPayloadException($"The payload's {field} is missing or not a 40-hex commit id.");
    }

    private static void RequireRepository(GithubRepositoryPayload? repository, string field)
    {
        if (repository?.FullName is not { } name) throw Missing($"{field}.full_name");
        if (!FullName().IsMatch(name)) throw new WebhookPayloadException($"The payload's {field}.full_name '{name}' is not owner/name.");
    }

    private static WebhookPayloadException Missing(string field) => new($"The payload has no {field}.");

    [GeneratedRegex(@"^[0-9a-f]{40}\z")]
    private static partial Regex Sha();

    [GeneratedRegex(@"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}\z")]
    private static partial Regex FullName();
}
