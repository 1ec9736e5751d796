namespace Narwhal.Bench;

/// <summary>
/// Which earlier run freed the slot a claim took. A Runner with S slots pulls a message only while a slot is free, so
/// its (S+k)-th claim takes the slot freed by its k-th run to finish (k from 0); its first S claims found a slot free.
/// Claims and ends are the runs rows' started_at and finished_at (Postgres's clock).
/// </summary>
internal static class SlotModel
{
    /// <summary>Per claimed run: when the slot it took was freed, or null for one of its Runner's first S claims.</summary>
    public static Dictionary<T, DateTime?> FreedAt<T>(IEnumerable<T> runs, int slots, Func<T, string?> runner, Func<T, DateTime?> claimed,
        Func<T, DateTime?> finished) where T : notnull
    {
        var freed = new Dictionary<T, DateTime?>();
        foreach (var own in runs.Where(r => runner(r) is not null && claimed(r) is not null).GroupBy(runner))
        {
            var claims = own.OrderBy(r => claimed(r)!.Value).ToList();
            var ends = own.Select(finished).OfType<DateTime>().Order().ToList();
            // A claim paired with a run that has no end yet is left out: which slot it took is unknown.
            for (var j = 0; j < claims.Count && j - slots < ends.Count; j++)
                freed[claims[j]] = j < slots ? null : ends[j - slots];
        }
        return freed;
    }
}
