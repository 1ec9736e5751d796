using NUnit.Framework;

// Two cores on CI: fixtures run two at a time; tests inside a fixture run in order.
[assembly: Parallelizable(ParallelScope.Fixtures)]
[assembly: LevelOfParallelism(2)]
