namespace Narwhal.Core.Results;

public enum RunFileKind { Junit, Artifact }
