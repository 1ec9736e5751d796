using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using Narwhal.Api.Auth;
using Narwhal.Api.Dtos;
using Narwhal.Api.Github;
using Narwhal.Api.Github.Webhooks;
using Narwhal.Api.Validation;

namespace Narwhal.Api.Endpoints;

/// <summary>
/// GitHub webhooks: the delivery endpoint GitHub calls (no bearer token; the X-Hub-Signature-256 HMAC of the body is
/// its authentication) and the record of recent deliveries for admins.
/// </summary>
public static partial class GithubHooksEndpoints
{
    public const string EventHeader = "X-GitHub-Event";
    public const string DeliveryHeader = "X-GitHub-Delivery";

    public static IEndpointRouteBuilder MapGithubHooksEndpoints(this IEndpointRouteBuilder app)
    {
        var hooks = app.MapGroup("/hooks/github").WithTags("GitHub");
        hooks.MapPost("/", ReceiveDelivery)
            .WithSummary("Receive a GitHub webhook delivery (authenticated by X-Hub-Signature-256, no token)")
            .WithMetadata(OpenApi.GithubSignatureSchemeMarker.Instance);
        hooks.MapGet("/deliveries", ListDeliveries).WithSummary("List recent GitHub deliveries, newest first").RequireAuthorization(Scope.Admin.Name());
        return app;
    }

    /// <summary>
    /// 200 with the delivery record (triggered or ignored, with the reason; a redelivery of a known id answers the
    /// original with <c>duplicate: true</c>), 202 for an event Narwhal does not handle. 503 while no secret is
    /// configured or while too many deliveries are being read (Retry-After), 413 over the size limit (25 MB by
    /// default), 401 when the signature is missing or wrong (nothing recorded), 400 for missing GitHub headers or an
    /// unusable payload, 415 when not sent as JSON (both recorded as rejected).
    /// </summary>
    public static async Task<Results<Ok<GithubDeliveryDto>, Accepted<GithubDeliveryDto>, ProblemHttpResult>> ReceiveDelivery(
        HttpRequest request, GithubWebhookReceiver receiver, WebhookIntake intake, ApiSettings settings, ILoggerFactory loggers, CancellationToken ct)
    {
        if (!receiver.Configured)
            return Problem(StatusCodes.Status503ServiceUnavailable, "Webhooks not configured",
                "GitHub webhooks are not configured on this Narwhal: set NARWHAL_GITHUB_WEBHOOK_SECRET to the webhook's secret.");

        // Everything before the signature check costs no body: the declared size, then the header's form.
        if (request.ContentLength > settings.GithubWebhookMaxBytes) return TooLarge(settings);
        var deliveryId = request.Headers[DeliveryHeader].ToString();
        var claimed = WebhookSignature.ParseHeader(request.Headers[WebhookSignature.Header].ToString(), out var signature);
        if (claimed is null) return Unauthorized(loggers, deliveryId, signature);

        WebhookBody? body;
        using (var slot = intake.TryEnter())
        {
            if (slot is null)
            {
                request.HttpContext.Response.Headers.RetryAfter = WebhookIntake.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Problem(StatusCodes.Status503ServiceUnavailable, "Too many deliveries at once",
                    $"More than {settings.GithubWebhookMaxConcurrent} deliveries are being received (NARWHAL_GITHUB_WEBHOOK_MAX_CONCURRENT); send it again after Retry-After (GitHub: redeliver).");
            }
            body = await WebhookBody.ReadAsync(request, receiver.Signature, claimed, settings.GithubWebhookMaxBytes, ct);
        }
        if (body is null) return TooLarge(settings);
        using var _ = body;
        if (!body.SignatureValid) return Unauthorized(loggers, deliveryId, SignatureCheck.Mismatch);

        if (!IsDeliveryId(deliveryId))
            return Problem(StatusCodes.Status400BadRequest, "Bad request", $"{DeliveryHeader} is missing or not 1-200 visible ASCII characters: it identifies the delivery, so a redelivery triggers nothing twice.");
        var @event = request.Headers[EventHeader].ToString();
        if (!EventName().IsMatch(@event))
            return Problem(StatusCodes.Status400BadRequest, "Bad request", $"{EventHeader} is missing or not an event name.");

        if (!IsJson(request.ContentType))
        {
            var rejected = await receiver.RejectAsync(deliveryId, @event,
                $"sent as {request.ContentType ?? "no content type"}; set the webhook's content type to application/json.", ct);
            return rejected.Result.Duplicate
                ? TypedResults.Ok(GithubDeliveryDto.From(rejected.Delivery, duplicate: true))
                : Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                    "Set the webhook's content type to application/json on GitHub (Settings → Webhooks → Content type).");
        }

        var answer = await receiver.ReceiveAsync(deliveryId, @event, body.Memory, ct);
        var dto = GithubDeliveryDto.From(answer.Delivery, answer.Result.Duplicate);
        if (answer.Result.Duplicate) return TypedResults.Ok(dto);
        if (answer.Delivery.Outcome == DeliveryOutcome.Rejected)
            return Problem(StatusCodes.Status400BadRequest, "Unusable payload", answer.Delivery.Reason ?? "The payload cannot be used.");
        return answer.Handled ? TypedResults.Ok(dto) : TypedResults.Accepted((string?)null, dto);
    }

    public static async Task<Results<Ok<PageDto<GithubDeliveryDto>>, ValidationProblem>> ListDeliveries(
        string? cursor, int? limit, GithubDeliveryStore deliveries, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        Paging.TryLimit(limit, errors, out var take);
        DeliveryCursor? after = null;
        if (cursor is not null)
        {
            if (DeliveryCursor.TryDecode(cursor, out var decoded)) after = decoded;
            else errors.Add("cursor", "Not a cursor this API returned.");
        }
        if (errors.Any) return Problems.Invalid(errors);

        var page = await deliveries.ListAsync(after, take, ct);
        return TypedResults.Ok(new PageDto<GithubDeliveryDto>(page.Items.Select(d => GithubDeliveryDto.From(d)).ToList(), page.NextCursor));
    }

    private static ProblemHttpResult TooLarge(ApiSettings settings) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large", settings.GithubWebhookMaxBytes == WebhookBody.GithubMaxBytes
            ? $"The delivery is larger than {WebhookBody.GithubMaxBytes / (1024 * 1024)} MB, GitHub's own limit for webhook payloads."
            : $"The delivery is larger than {settings.GithubWebhookMaxBytes / 1024} KiB (NARWHAL_GITHUB_WEBHOOK_MAX_BODY_KB).");

    private static ProblemHttpResult Unauthorized(ILoggerFactory loggers, string deliveryId, SignatureCheck signature)
    {
        // Never the signature itself, nor anything of the secret; the claimed id only when it looks like one.
        loggers.CreateLogger(typeof(GithubHooksEndpoints)).LogWarning(
            "GitHub delivery {DeliveryId} refused: signature {SignatureCheck}", IsDeliveryId(deliveryId) ? deliveryId : "(none)", signature);
        return Problem(StatusCodes.Status401Unauthorized, "Invalid signature", SignatureDetail(signature));
    }

    private static string SignatureDetail(SignatureCheck check) => check switch
    {
        SignatureCheck.Missing => $"{WebhookSignature.Header} is missing: give the webhook a secret on GitHub, the same as NARWHAL_GITHUB_WEBHOOK_SECRET.",
        SignatureCheck.Malformed => $"{WebhookSignature.Header} is not 'sha256=' followed by 64 hex digits.",
        _ => $"{WebhookSignature.Header} does not match the body: the webhook's secret differs from NARWHAL_GITHUB_WEBHOOK_SECRET, or the body was altered.",
    };

    private static bool IsDeliveryId(string id) => id.Length is > 0 and <= 200 && id.All(c => c is >= (char)0x21 and <= (char)0x7e);

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media) && media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title);

    [GeneratedRegex("^[a-z_]{1,50}$")]
    private static partial Regex EventName();
}
