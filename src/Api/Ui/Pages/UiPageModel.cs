using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Narwhal.Api.Auth;
using Narwhal.Api.Ui.Auth;

namespace Narwhal.Api.Ui.Pages;

/// <summary>
/// What every UI page shares: the time it renders at, a one-line notice that survives the redirect after a form
/// (TempData), and an answer for what cannot be shown (<see cref="Refusal"/>: a 403 or 404 with a sentence, in the layout).
/// </summary>
public abstract class UiPageModel : PageModel
{
    public const string NoticeKey = "notice";

    public DateTimeOffset Now { get; } = DateTimeOffset.UtcNow;

    /// <summary>Set when the page answers with an error instead of its content.</summary>
    public Refusal? Refused { get; private set; }

    protected IActionResult Refuse(int status, string title, string message)
    {
        Refused = new Refusal(status, title, message);
        Response.StatusCode = status;
        return Page();
    }

    protected IActionResult NotFoundPage(string message) => Refuse(StatusCodes.Status404NotFound, "Not found", message);

    /// <summary>A form asked for an action the token's scopes do not allow (the page never shows it such a form).</summary>
    protected IActionResult Forbidden(Scope needed) => Refuse(StatusCodes.Status403Forbidden, "Not allowed",
        $"This needs a token with the '{needed.Name()}' scope; '{User.Identity?.Name}' has '{User.Role()}'.");

    protected void Notify(string notice) => TempData[NoticeKey] = notice;

    /// <summary>The sentence a REST handler's problem answer carries (what the UI says when an action is refused).</summary>
    protected static string? ProblemText(IResult result) => result switch
    {
        ProblemHttpResult problem => problem.ProblemDetails.Detail ?? problem.ProblemDetails.Title,
        ValidationProblem invalid => string.Join(" ", invalid.ProblemDetails.Errors.SelectMany(e => e.Value)),
        _ => null,
    };
}

public sealed record Refusal(int Status, string Title, string Message);
