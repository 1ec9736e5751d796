using Narwhal.Dispatcher;

var app = DispatcherApplication.Build(args);
await app.RunAsync();
