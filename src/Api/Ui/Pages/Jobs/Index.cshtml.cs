using Microsoft.AspNetCore.Mvc;

namespace Narwhal.Api.Ui.Pages.Jobs;

/// <summary>Every job with its newest run, filtered by name, keyset-paged by name (one query per page).</summary>
public sealed class IndexModel(UiQueries queries) : UiPageModel
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true, Name = "q")] public string? Filter { get; set; }

    [BindProperty(SupportsGet = true)] public string? After { get; set; }

    public IReadOnlyList<JobOverview> Jobs { get; private set; } = [];

    public string? NextAfter { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Filter = string.IsNullOrWhiteSpace(Filter) ? null : Filter.Trim();
        var rows = await queries.JobsAsync(Filter, After, PageSize + 1, ct);
        Jobs = rows.Take(PageSize).ToList();
        NextAfter = rows.Count > PageSize ? Jobs[^1].Name : null;
    }

    public string PageLink(string? after) =>
        "/ui/jobs" + QueryString.Create(new Dictionary<string, string?> { ["q"] = Filter, ["after"] = after }.Where(kv => kv.Value is not null));
}
