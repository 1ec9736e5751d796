using Narwhal.Api;

var app = ApiApplication.Build(args);
await app.RunAsync();
