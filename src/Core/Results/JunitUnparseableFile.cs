namespace Narwhal.Core.Results;

/// <summary>A report file that could not be read, and why.</summary>
public sealed record JunitUnparseableFile(string FileName, string Error);
