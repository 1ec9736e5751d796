using System.Runtime.CompilerServices;

// The git layer's process hooks (GitRunner.Started, ExtraEnvironment) and its pure helpers are tested directly.
[assembly: InternalsVisibleTo("Narwhal.Runner.Tests")]
