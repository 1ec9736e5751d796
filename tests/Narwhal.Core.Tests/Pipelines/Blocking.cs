using Narwhal.Testing;
using NUnit.Framework;

namespace Narwhal.Core.Tests.Pipelines;

/// <summary>
/// Proof that a statement waits for a lock an open transaction of the spec holds, taken from Postgres
/// itself (pg_stat_activity) before that transaction is let go: the interleaving a spec claims is the
/// one that ran.
/// </summary>
internal static class Blocking
{
    public static Task UntilWaitingForALockAsync(TestDatabase database, Task blocked) =>
        Eventually.UntilAsync(async () =>
        {
            if (blocked.IsCompleted)
            {
                await blocked;
                Assert.Fail("the statement completed without waiting for the lock");
            }
            return await database.ScalarAsync<bool>("""
                SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock')
                """);
        }, "a statement to wait for a lock held by the spec");
}
