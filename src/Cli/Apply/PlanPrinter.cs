using System.Text.Json.Nodes;

namespace Narwhal.Cli.Apply;

/// <summary>The plan and its outcome, for people (symbols, changed fields) and for scripts (JSON).</summary>
public static class PlanPrinter
{
    public static void WritePlan(Output output, Plan plan)
    {
        foreach (var item in plan.Items)
        {
            var (symbol, verb, colour) = item.Action switch
            {
                PlanAction.Create => ("+", "create", "32"),
                PlanAction.Update => ("~", "update", "33"),
                PlanAction.Delete => ("-", "delete", "31"),
                _ => ("=", "unchanged", ""),
            };
            var line = $"  {symbol} {verb,-9} {item.Label}";
            if (item.Action == PlanAction.Update && item.Kind != ItemKind.Job) line += " (value changes)";
            output.Out.WriteLine(output.Colour && colour.Length > 0 ? $"\u001b[{colour}m{line}\u001b[0m" : line);
            foreach (var change in item.Changes)
                output.Out.WriteLine($"        {change.Field}: {Show(change.From)} → {Show(change.To)}");
        }
        output.Out.WriteLine($"Plan: {plan.Count(PlanAction.Create)} to create, {plan.Count(PlanAction.Update)} to update, " +
                             $"{plan.Count(PlanAction.Delete)} to delete, {plan.Count(PlanAction.Unchanged)} unchanged.");
    }

    public static void WriteResults(Output output, Plan plan)
    {
        foreach (var item in plan.Items.Where(i => i.Result is "failed" or "skipped"))
            output.Err.WriteLine($"narwhal: {item.Label}: {item.Result}: {item.Error}");
        var counts = plan.Items.Where(i => i.Result is not null).GroupBy(i => i.Result!).ToDictionary(g => g.Key, g => g.Count());
        string N(string key) => counts.GetValueOrDefault(key).ToString(System.Globalization.CultureInfo.InvariantCulture);
        output.Out.WriteLine($"Applied: {N("created")} created, {N("updated")} updated, {N("deleted")} deleted, {N("unchanged")} unchanged" +
                             (counts.ContainsKey("failed") || counts.ContainsKey("skipped") ? $", {N("failed")} failed, {N("skipped")} skipped." : "."));
    }

    public static string Json(Plan plan, Uri server, bool dryRun, bool applied)
    {
        var items = new JsonArray();
        foreach (var item in plan.Items)
        {
            var obj = new JsonObject
            {
                ["kind"] = item.Kind switch { ItemKind.Job => "job", ItemKind.Secret => "secret", _ => "gitCredentials" },
                ["job"] = item.Job,
                ["action"] = item.Action.ToString().ToLowerInvariant(),
            };
            if (item.Secret is not null) obj["secret"] = item.Secret;
            if (item.Changes.Count > 0)
                obj["changes"] = new JsonArray(item.Changes.Select(c => (JsonNode)new JsonObject
                {
                    ["field"] = c.Field, ["from"] = c.From?.DeepClone(), ["to"] = c.To?.DeepClone(),
                }).ToArray());
            if (item.Mark is not null) obj["source"] = item.Mark.ToString();
            if (item.Result is not null) obj["result"] = item.Result;
            if (item.Error is not null) obj["error"] = item.Error;
            items.Add(obj);
        }
        var root = new JsonObject
        {
            ["server"] = server.AbsoluteUri,
            ["dryRun"] = dryRun,
            ["applied"] = applied,
            ["summary"] = new JsonObject
            {
                ["create"] = plan.Count(PlanAction.Create),
                ["update"] = plan.Count(PlanAction.Update),
                ["delete"] = plan.Count(PlanAction.Delete),
                ["unchanged"] = plan.Count(PlanAction.Unchanged),
                ["failed"] = plan.Items.Count(i => i.Result is "failed" or "skipped"),
            },
            ["items"] = items,
        };
        if (plan.Errors.Count > 0) root["errors"] = new JsonArray(plan.Errors.Select(e => (JsonNode)JsonValue.Create(e)!).ToArray());
        return root.ToJsonString(JsonOut.Indented);
    }

    private static string Show(JsonNode? value) => value is null ? "(none)" : value.ToJsonString(JsonOut.Compact);
}
