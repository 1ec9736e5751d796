using NUnit.Framework;

// Two cores on CI, and a browser is heavy: fixtures run two at a time; tests inside a fixture run in order.
[assembly: Parallelizable(ParallelScope.Fixtures)]
[assembly: LevelOfParallelism(2)]
