using Narwhal.Runner;

var app = RunnerApplication.Build(args);
await app.RunAsync();
